package serve

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// setRcvbuf sets SO_RCVBUF to n bytes, forcing past net.core.rmem_max
// when the process may (SO_RCVBUFFORCE needs CAP_NET_ADMIN), and returns
// the buffer the kernel holds for data (half of what it reports).
func setRcvbuf(c *net.UDPConn, n int) (int, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var got int
	var serr error
	err = raw.Control(func(fd uintptr) {
		if syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, n) != nil {
			if serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n); serr != nil {
				return
			}
		}
		var v int
		v, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
		got = v / 2 // the kernel doubles the value for its bookkeeping
	})
	if err == nil {
		err = serr
	}
	return got, err
}

// socketInode is the inode /proc/net/udp names the socket by.
func socketInode(c *net.UDPConn) (string, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return "", err
	}
	var link string
	var lerr error
	err = raw.Control(func(fd uintptr) {
		link, lerr = os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	})
	if err == nil {
		err = lerr
	}
	if err != nil {
		return "", err
	}
	inode, ok := strings.CutPrefix(link, "socket:[")
	if !ok {
		return "", fmt.Errorf("fd link %q is not a socket", link)
	}
	return strings.TrimSuffix(inode, "]"), nil
}

// udpDrops reads the drops of the socket with inode from /proc/net/udp
// and /proc/net/udp6 (their last column).
func udpDrops(inode string) (int64, error) {
	for _, p := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			// sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
			if len(fs) >= 13 && fs[9] == inode {
				f.Close()
				return strconv.ParseInt(fs[len(fs)-1], 10, 64)
			}
		}
		f.Close()
	}
	return 0, fmt.Errorf("socket inode %s not in /proc/net/udp", inode)
}
