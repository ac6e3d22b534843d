package serve

import (
	"bytes"
	"context"
	"errors"
	"net"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"github.com/streamalert/streamalert/realtime"
)

// DefaultUDPReceiveBuffer is a syslog source's UDP SO_RCVBUF unless
// udp_receive_buffer_bytes says otherwise: about 80,000 datagrams of 100
// bytes, a burst of several seconds at 20,000 a second.
const DefaultUDPReceiveBuffer = 8 << 20

// UDP reading: a reader takes datagrams off the socket in batches
// (recvmmsg) into a queue and never waits for the disk; a writer stores
// what the queue holds in one ordered append with one fsync (group
// commit). The queue is bounded: when the pipeline cannot keep up, the
// reader stops and the kernel's buffer takes the burst; past it the
// kernel drops, and watchDrops counts those.
const (
	udpBatch      = 64      // datagrams per recvmmsg
	udpQueue      = 1 << 15 // datagrams read and not yet stored
	udpStoreCount = 4096    // datagrams per append at most
	udpStoreBytes = 4 << 20 // and bytes
	udpJoinBytes  = 1 << 20 // a batch of joined one-line datagrams
)

type datagram struct {
	msg []byte
	at  time.Time
}

// batchReader is recvmmsg on an IPv4 or IPv6 socket.
type batchReader interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
}

func newBatchReader(c *net.UDPConn) batchReader {
	if a, ok := c.LocalAddr().(*net.UDPAddr); ok && a.IP.To4() == nil && !a.IP.IsUnspecified() {
		return ipv6.NewPacketConn(c)
	}
	return ipv4.NewPacketConn(c)
}

func (l *SyslogListener) lost(reason string, n int64) {
	if l.Metrics != nil && n > 0 {
		l.Metrics.SyslogLost(l.Source, reason, n)
	}
}

// serveUDP runs the reader and, on a goroutine it owns, the writer, until
// the socket is closed; then the writer stores what is queued.
func (l *SyslogListener) serveUDP() {
	defer l.wg.Done()
	q := make(chan datagram, udpQueue)
	stored := make(chan struct{})
	go func() {
		defer close(stored)
		l.storeUDP(q)
	}()
	l.readUDP(q)
	close(q)
	<-stored
}

func (l *SyslogListener) readUDP(q chan<- datagram) {
	conn, ok := l.udp.(*net.UDPConn)
	if !ok {
		return
	}
	rb := newBatchReader(conn)
	ms := make([]ipv4.Message, udpBatch)
	for i := range ms {
		ms[i].Buffers = [][]byte{make([]byte, 65536)}
	}
	for {
		n, err := rb.ReadBatch(ms, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		now := time.Now().UTC()
		for i := 0; i < n; i++ {
			m := bytes.TrimRight(ms[i].Buffers[0][:ms[i].N], "\r\n\x00")
			if len(bytes.TrimSpace(m)) == 0 {
				continue
			}
			q <- datagram{bytes.Clone(m), now}
		}
	}
}

// storeUDP appends what the queue holds, up to udpStoreCount datagrams or
// udpStoreBytes, in one append; a busy pipeline is waited for as long as
// a TCP message is (then the messages are logged and counted as lost).
// Datagrams of one line are joined, one per line, into batches of up to
// udpJoinBytes (the classifier splits a text payload into its lines, so
// each is still its own record); per-batch costs are paid once for many
// messages. A datagram holding a line break is a batch of its own, as it
// would be alone.
func (l *SyslogListener) storeUDP(q <-chan datagram) {
	var bs []realtime.Batch
	var joinable []bool // bs[i] takes more lines
	for d := range q {
		bs, joinable = bs[:0], joinable[:0]
		n, size := 0, 0
		add := func(d datagram) {
			n++
			size += len(d.msg)
			oneLine := !bytes.ContainsAny(d.msg, "\r\n")
			if last := len(bs) - 1; oneLine && last >= 0 && joinable[last] && len(bs[last].Payload)+len(d.msg) < udpJoinBytes {
				bs[last].Payload = append(append(bs[last].Payload, '\n'), d.msg...)
				return
			}
			bs = append(bs, realtime.Batch{Source: l.Source, Received: d.at, Payload: d.msg})
			joinable = append(joinable, oneLine)
		}
		add(d)
	drain:
		for n < udpStoreCount && size < udpStoreBytes {
			select {
			case d, ok := <-q:
				if !ok {
					break drain
				}
				add(d)
			default:
				break drain
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), syslogBusyWait)
		_, err := l.Runner.SubmitBatchesWait(ctx, bs)
		cancel()
		if err != nil {
			l.Log.Error("syslog messages not stored", "source", l.Source, "err", err, "messages", n, "bytes", size)
			l.lost("not_stored", int64(n))
		}
	}
}

// watchDrops adds the kernel's drops of the UDP socket (full receive
// buffer) to the metrics every second, and once more at Close.
func (l *SyslogListener) watchDrops() {
	defer l.wg.Done()
	conn, ok := l.udp.(*net.UDPConn)
	if !ok {
		return
	}
	inode, err := socketInode(conn)
	if err != nil {
		l.Log.Warn("syslog: UDP drops cannot be counted", "source", l.Source, "err", err)
		return
	}
	var seen int64
	check := func() {
		n, err := udpDrops(inode)
		if err != nil {
			return
		}
		if n > seen {
			l.Log.Warn("syslog: the kernel dropped UDP datagrams (receive buffer full)", "source", l.Source, "dropped", n-seen)
			l.lost("rcvbuf", n-seen)
			seen = n
		}
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-l.stopc:
			check()
			return
		case <-t.C:
			check()
		}
	}
}

// setReceiveBuffer sets the UDP socket's SO_RCVBUF and logs what the
// kernel granted (it caps SO_RCVBUF at net.core.rmem_max unless the
// process may force it).
func (l *SyslogListener) setReceiveBuffer() {
	conn, ok := l.udp.(*net.UDPConn)
	if !ok {
		return
	}
	want := l.UDPReceiveBuffer
	if want <= 0 {
		want = DefaultUDPReceiveBuffer
	}
	got, err := setRcvbuf(conn, want)
	switch {
	case err != nil:
		l.Log.Warn("syslog: cannot set the UDP receive buffer", "source", l.Source, "want", want, "err", err)
	case got < want:
		l.Log.Warn("syslog: UDP receive buffer smaller than asked (raise net.core.rmem_max)", "source", l.Source, "want", want, "got", got)
	}
}
