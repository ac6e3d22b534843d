package serve

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/config"
)

// udpApp serves the example config with its syslog source on UDP only,
// with the given receive buffer, and returns the app and the UDP address.
func udpApp(t *testing.T, rcvbuf int) (*App, string, func()) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "conf")
	if err := config.Init(dir); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "sources.yaml")
	b, _ := os.ReadFile(p)
	b = bytes.Replace(b, []byte("listen: 127.0.0.1:5514\n    protocol: both"),
		[]byte(fmt.Sprintf("listen: 127.0.0.1:0\n    protocol: udp\n    udp_receive_buffer_bytes: %d", rcvbuf)), 1)
	os.WriteFile(p, b, 0o600)
	cfg, ps := config.LoadDir(dir)
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	ctx, cancel := context.WithCancel(context.Background())
	app, err := OpenApp(ctx, cfg, t.TempDir(), AppOptions{CommitInterval: time.Second, Logger: quietLog, NoOutputs: true})
	if err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, "127.0.0.1:0", func(a string) { addrc <- a }) }()
	<-addrc
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	return app, app.SyslogAddrs()["syslog"][0], stop
}

// sendUDP sends n syslog datagrams to addr, paced at rate a second (0:
// as fast as the socket takes them).
func sendUDP(t testing.TB, addr string, n, rate int) {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	for i := 0; i < n; i++ {
		fmt.Fprintf(c, "<38>Mar  3 10:16:44 web01 sshd[%d]: Failed password for root from 198.51.100.23 port %d ssh2", 1000+i%30000, 40000+i%20000)
		if rate > 0 && i%100 == 99 {
			if ahead := time.Duration(i+1)*time.Second/time.Duration(rate) - time.Since(start); ahead > 0 {
				time.Sleep(ahead)
			}
		}
	}
}

// TestSyslogUDP_EveryDatagramStoredOrCounted floods a listener whose
// receive buffer is tiny, so that the kernel drops: every datagram sent
// must then be either a record in the pipeline or counted in
// streamalert_syslog_lost_total{reason="rcvbuf"}; none goes unseen.
func TestSyslogUDP_EveryDatagramStoredOrCounted(t *testing.T) {
	app, addr, stop := udpApp(t, 2048)
	const sent = 20000
	sendUDP(t, addr, sent, 0)
	m := app.Metrics
	in := func() int64 { return m.Value(`streamalert_records_in_total{source="syslog"}`) }
	dropped := func() int64 { return m.Value(`streamalert_syslog_lost_total{source="syslog",reason="rcvbuf"}`) }
	waitFor(t, "every datagram stored or counted", func() bool { return in()+dropped() >= sent })
	stop()
	if in()+dropped() != sent {
		t.Errorf("records %d + dropped %d != sent %d", in(), dropped(), sent)
	}
	t.Logf("sent %d: %d stored, %d dropped by the kernel", sent, in(), dropped())
}

// BenchmarkSyslogUDP_Paced20k sends b.N datagrams at 20,000 a second to a
// listener with the default receive buffer and reports the loss; the
// target is none (go test -run XXX -bench SyslogUDP -benchtime 100000x
// ./realtime/serve/).
func BenchmarkSyslogUDP_Paced20k(b *testing.B) {
	t := &testing.T{}
	app, addr, stop := udpApp(t, 0)
	b.ResetTimer()
	sendUDP(b, addr, b.N, 20000)
	m := app.Metrics
	in := func() int64 { return m.Value(`streamalert_records_in_total{source="syslog"}`) }
	dropped := func() int64 { return m.Value(`streamalert_syslog_lost_total{source="syslog",reason="rcvbuf"}`) }
	deadline := time.Now().Add(30 * time.Second)
	for in()+dropped() < int64(b.N) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	b.StopTimer()
	stop()
	lost := int64(b.N) - in()
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(dropped()), "rcvbuf-drops")
	if lost > 0 {
		b.Errorf("%d of %d datagrams lost (%d counted as kernel drops)", lost, b.N, dropped())
	}
}
