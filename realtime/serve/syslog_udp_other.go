//go:build !linux

package serve

import (
	"errors"
	"net"
)

func setRcvbuf(c *net.UDPConn, n int) (int, error) {
	if err := c.SetReadBuffer(n); err != nil {
		return 0, err
	}
	return n, nil
}

func socketInode(*net.UDPConn) (string, error) {
	return "", errors.New("UDP drops are read from /proc/net/udp (Linux only)")
}

func udpDrops(string) (int64, error) { return 0, errors.New("no /proc/net/udp") }
