package serve

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/streamalert/streamalert/realtime"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"
)

// SyslogListener receives syslog messages over UDP (one message per
// datagram) and TCP (RFC 6587 framing: octet counting "LEN MSG" as RFC 5425
// uses, or one message per line), and submits each to the runner as a
// batch of its source.
type SyslogListener struct {
	Source   string
	Addr     string
	Protocol string // udp, tcp or both
	Runner   *realtime.Runner
	Log      *slog.Logger
	Metrics  *realtime.Metrics // nil: losses are only logged
	// UDPReceiveBuffer is the UDP socket's SO_RCVBUF (0: 8 MiB).
	UDPReceiveBuffer int

	udp   net.PacketConn
	tcp   net.Listener
	stopc chan struct{} // closed by Close: ends the drops watcher
	wg    sync.WaitGroup
	mu    sync.Mutex
	open  map[net.Conn]bool
}

// MaxSyslogMessage bounds one message (RFC 5425 requires at least 2,048;
// we take much larger ones).
const MaxSyslogMessage = 1 << 20

// Start binds the listeners and serves until Close.
func (l *SyslogListener) Start() error {
	if l.Log == nil {
		l.Log = slog.Default()
	}
	l.open = map[net.Conn]bool{}
	l.stopc = make(chan struct{})
	proto := l.Protocol
	if proto == "" {
		proto = "both"
	}
	var pc net.PacketConn
	var ln net.Listener
	var err error
	switch proto {
	case "udp":
		pc, err = net.ListenPacket("udp", l.Addr)
	case "tcp":
		ln, err = net.Listen("tcp", l.Addr)
	default:
		pc, ln, err = listenBoth(l.Addr)
	}
	if err != nil {
		return fmt.Errorf("syslog %s: %w", l.Source, err)
	}
	if pc != nil {
		l.udp = pc
		l.setReceiveBuffer()
		l.wg.Add(2)
		go l.serveUDP()
		go l.watchDrops()
	}
	if ln != nil {
		l.tcp = ln
		l.wg.Add(1)
		go l.serveTCP()
	}
	return nil
}

// listenBoth binds UDP and TCP on one port. With port 0 the system picks
// the UDP port, which may be taken for TCP: then another is picked.
func listenBoth(addr string) (net.PacketConn, net.Listener, error) {
	_, port, _ := net.SplitHostPort(addr)
	for attempt := 0; ; attempt++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		if port != "0" || attempt == 20 {
			return nil, nil, err
		}
	}
}

// UDPAddr and TCPAddr report the bound addresses.
func (l *SyslogListener) UDPAddr() string { return addrOf(l.udp) }
func (l *SyslogListener) TCPAddr() string {
	if l.tcp == nil {
		return ""
	}
	return l.tcp.Addr().String()
}

func addrOf(pc net.PacketConn) string {
	if pc == nil {
		return ""
	}
	return pc.LocalAddr().String()
}

// syslogBusyWait is how long a message waits for a busy pipeline before
// it is logged as lost.
const syslogBusyWait = 5 * time.Second

func (l *SyslogListener) submit(msg []byte) {
	msg = bytes.TrimRight(msg, "\r\n\x00")
	if len(bytes.TrimSpace(msg)) == 0 {
		return
	}
	// Waiting is back-pressure on TCP senders (UDP drops are the
	// kernel's), but not forever: syslog has no way to say "retry".
	ctx, cancel := context.WithTimeout(context.Background(), syslogBusyWait)
	defer cancel()
	if _, err := l.Runner.SubmitWait(ctx, l.Source, time.Now().UTC(), bytes.Clone(msg)); err != nil {
		l.Log.Error("syslog message not stored", "source", l.Source, "err", err, "bytes", len(msg))
		l.lost("not_stored", 1)
	}
}

func (l *SyslogListener) serveTCP() {
	defer l.wg.Done()
	for {
		c, err := l.tcp.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		l.mu.Lock()
		l.open[c] = true
		l.mu.Unlock()
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			defer func() {
				l.mu.Lock()
				delete(l.open, c)
				l.mu.Unlock()
				c.Close()
			}()
			if err := ReadSyslogStream(c, l.submit); err != nil && !errors.Is(err, net.ErrClosed) {
				l.Log.Warn("syslog connection", "source", l.Source, "remote", c.RemoteAddr().String(), "err", err)
			}
		}()
	}
}

// ReadSyslogStream splits a TCP syslog stream into messages. Each frame is
// either octet-counted ("123 <PRI>...", RFC 6587 3.4.1 / RFC 5425) or
// newline-terminated (3.4.2). A frame is octet-counted only when it starts
// with a run of digits (the first 1-9), a space and "<": a line without
// <PRI> may well start with digits (rsyslog's RSYSLOG_FileFormat starts
// with an ISO timestamp). A line is read up to MaxSyslogMessage bytes and
// no further.
func ReadSyslogStream(r io.Reader, fn func(msg []byte)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	for {
		if _, err := br.Peek(1); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if n, ok, err := octetCount(br); err != nil {
			return err
		} else if ok {
			msg := make([]byte, n)
			if _, err := io.ReadFull(br, msg); err != nil {
				return fmt.Errorf("message of %d bytes: %w", n, err)
			}
			fn(msg)
			continue
		}
		line = line[:0]
		for {
			chunk, err := br.ReadSlice('\n')
			if len(line)+len(chunk) > MaxSyslogMessage+1 {
				return fmt.Errorf("line over %d bytes", MaxSyslogMessage)
			}
			line = append(line, chunk...)
			if err == bufio.ErrBufferFull {
				continue
			}
			if len(line) > 0 {
				fn(line)
			}
			if err != nil {
				if err == io.EOF {
					return nil
				}
				return err
			}
			break
		}
	}
}

// maxCountDigits bounds how far a frame's start is looked at for an
// octet count; longer runs of digits are a line.
const maxCountDigits = 16

// octetCount looks at the start of the next frame without consuming it
// unless it is an octet count, "DIGITS <" with DIGITS not starting with
// 0: then it consumes "DIGITS " and returns the count. A count over
// MaxSyslogMessage is an error (the stream cannot be framed after it).
func octetCount(br *bufio.Reader) (int, bool, error) {
	i := 0
	for ; i < maxCountDigits; i++ {
		b, err := br.Peek(i + 1)
		if err != nil {
			return 0, false, nil // the stream ends: a last line
		}
		if c := b[i]; c < '0' || c > '9' || (i == 0 && c == '0') {
			break
		}
	}
	if i == 0 || i == maxCountDigits {
		return 0, false, nil
	}
	b, err := br.Peek(i + 2)
	if err != nil || b[i] != ' ' || b[i+1] != '<' {
		return 0, false, nil
	}
	n, err := strconv.Atoi(string(b[:i]))
	if err != nil || n > MaxSyslogMessage {
		return 0, false, fmt.Errorf("bad octet count %q (over %d bytes)", b[:i], MaxSyslogMessage)
	}
	br.Discard(i + 1)
	return n, true, nil
}

// Close stops the listeners and waits for open connections to end.
func (l *SyslogListener) Close() error {
	if l.stopc != nil {
		select {
		case <-l.stopc:
		default:
			close(l.stopc)
		}
	}
	if l.udp != nil {
		l.udp.Close()
	}
	if l.tcp != nil {
		l.tcp.Close()
	}
	l.mu.Lock()
	for c := range l.open {
		c.SetReadDeadline(time.Now())
	}
	l.mu.Unlock()
	l.wg.Wait()
	return nil
}
