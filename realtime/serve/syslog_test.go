package serve

import (
	"net"
	"strings"
	"testing"
)

// TestListenBoth_SamePortOrError binds UDP and TCP on one port: with port
// 0 always on one chosen port (many times over, so that a UDP port whose
// TCP twin is taken gets replaced), with a fixed port whose TCP side is
// taken an error naming it.
func TestListenBoth_SamePortOrError(t *testing.T) {
	// Hold many TCP ports so that a UDP pick collides now and then.
	var held []net.Listener
	for range 200 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, ln)
	}
	defer func() {
		for _, ln := range held {
			ln.Close()
		}
	}()
	for range 300 {
		pc, ln, err := listenBoth("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, up, _ := net.SplitHostPort(pc.LocalAddr().String())
		_, tp, _ := net.SplitHostPort(ln.Addr().String())
		pc.Close()
		ln.Close()
		if up != tp {
			t.Fatalf("udp port %s, tcp port %s", up, tp)
		}
	}
	_, taken, _ := net.SplitHostPort(held[0].Addr().String())
	if _, _, err := listenBoth("127.0.0.1:" + taken); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("fixed port with TCP taken: err = %v", err)
	}
}
