// Package bench runs the paths users run — classify, rules run, ingest,
// serve over loopback, backtest — end to end on a generated workload, each
// in its own process of the streamalert binary, and measures records per
// CPU-second, per wall-second and peak RSS, each beside an in-run baseline:
// plain encoding/json decoding of CloudTrail lines into map[string]any, in
// a process of its own, on a file of the same number of records.
//
// A ratio to the baseline measured minutes apart on the same machine is
// what carries from one machine to another; absolute rates on a shared
// machine drift with its load.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/workload"
)

// Options say what to run.
type Options struct {
	// Binary is the streamalert executable to run the paths with.
	Binary   string
	Workload workload.Kind
	Records  int
	Seed     uint64
	// Dir holds the generated files, config and data directories.
	Dir string
	// Progress, if set, receives a line as each path starts.
	Progress io.Writer
}

// Result is one path's figures.
type Result struct {
	Path    string
	Records int
	CPU     time.Duration
	Wall    time.Duration
	PeakRSS int64 // bytes; 0 where the OS does not say
}

// PerCPUSecond is records per CPU-second.
func (r Result) PerCPUSecond() float64 { return rate(r.Records, r.CPU) }

// PerWallSecond is records per wall-clock second.
func (r Result) PerWallSecond() float64 { return rate(r.Records, r.Wall) }

func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Report is a run's results, the baseline first.
type Report struct {
	Machine  Machine
	Workload workload.Kind
	Records  int
	Bytes    int64 // of the workload file
	Seed     uint64
	Results  []Result
}

// Baseline returns the baseline's result.
func (r *Report) Baseline() Result { return r.Results[0] }

// Run generates the workload and runs every path in turn.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Records <= 0 {
		return nil, errors.New("bench: records must be positive")
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, err
	}
	rep := &Report{Machine: ReadMachine(), Workload: o.Workload, Records: o.Records, Seed: o.Seed}
	file := filepath.Join(o.Dir, o.Workload.String()+".log")
	n, size, err := writeRecords(file, o.Workload, o.Seed, o.Records)
	if err != nil {
		return nil, err
	}
	rep.Bytes = size
	base := file
	if o.Workload != workload.CloudTrail {
		base = filepath.Join(o.Dir, "baseline-cloudtrail.log")
		if _, _, err := writeRecords(base, workload.CloudTrail, o.Seed, o.Records); err != nil {
			return nil, err
		}
	}
	conf := filepath.Join(o.Dir, "conf")
	token, err := initConfig(conf)
	if err != nil {
		return nil, err
	}
	r := runner{bin: o.Binary, conf: conf, progress: o.Progress}
	ingestData := filepath.Join(o.Dir, "data-ingest")
	serveData := filepath.Join(o.Dir, "data-serve")
	os.RemoveAll(ingestData)
	os.RemoveAll(serveData)
	steps := []struct {
		name string
		run  func() (Result, error)
	}{
		{"baseline: encoding/json into map[string]any", func() (Result, error) { return r.child(ctx, "bench", "baseline", base) }},
		{"classify, library (1,000-line payloads)", func() (Result, error) { return r.child(ctx, "bench", "library", file) }},
		{"classify + rules, library", func() (Result, error) { return r.child(ctx, "bench", "library", "--rules", file) }},
		{"`classify FILE`", func() (Result, error) { return r.child(ctx, "classify", file) }},
		{"`rules run FILE` (pack)", func() (Result, error) { return r.child(ctx, "rules", "run", "--format", "json", file) }},
		{"`ingest FILE` (pack)", func() (Result, error) { return r.child(ctx, "ingest", "--data", ingestData, file) }},
		{"`serve`, HTTP over loopback (pack)", func() (Result, error) { return r.serve(ctx, serveData, token, file) }},
		{"`backtest --all` over the ingested lake", func() (Result, error) {
			return r.child(ctx, "backtest", "--all", "--since", "3650d", "--data", ingestData)
		}},
	}
	for _, s := range steps {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "bench: %s\n", s.name)
		}
		res, err := s.run()
		if err != nil {
			return nil, fmt.Errorf("bench: %s: %w", s.name, err)
		}
		res.Path, res.Records = s.name, n
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

func writeRecords(path string, kind workload.Kind, seed uint64, n int) (int, int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, 0, err
	}
	g := workload.New(kind, seed)
	var line []byte
	var size int64
	w := newBufWriter(f)
	for range n {
		line = g.Append(line[:0])
		w.Write(line)
		size += int64(len(line))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, 0, err
	}
	return n, size, f.Close()
}

// initConfig writes the example config to dir (the shipped rule pack), with
// the syslog listener on a free port, and returns the HTTP source's token.
func initConfig(dir string) (string, error) {
	os.RemoveAll(dir)
	if err := config.Init(dir); err != nil {
		return "", err
	}
	p := filepath.Join(dir, "sources.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	b = []byte(strings.Replace(string(b), "listen: 127.0.0.1:5514", "listen: 127.0.0.1:0", 1))
	if err := os.WriteFile(p, b, 0o600); err != nil {
		return "", err
	}
	cfg, ps := config.LoadDir(dir)
	if len(ps) > 0 {
		return "", ps.Err()
	}
	s, ok := cfg.Source("http")
	if !ok {
		return "", errors.New("the example config has no http source")
	}
	return s.Token, nil
}

// runner starts the binary's commands.
type runner struct {
	bin, conf string
	progress  io.Writer
}

func (r *runner) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, r.bin, append([]string{"--config", r.conf, "--log-level", "error", "--log-format", "text"}, args...)...)
	cmd.Stdout = io.Discard
	return cmd
}

// child runs one command to its end and measures it.
func (r *runner) child(ctx context.Context, args ...string) (Result, error) {
	cmd := r.command(ctx, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, lastLines(stderr.String(), 5))
	}
	return measured(cmd.ProcessState, time.Since(start)), nil
}

// serve starts `serve`, posts the file to it with `ingest --url`, then
// stops it (it processes what it accepted and commits before it exits).
// The figures are the server's: its CPU and RSS, and the wall time from
// the first post to its exit.
func (r *runner) serve(ctx context.Context, data, token, file string) (Result, error) {
	addr, err := freeAddr()
	if err != nil {
		return Result{}, err
	}
	srv := r.command(ctx, "serve", "--data", data, "--listen", addr)
	var stderr strings.Builder
	srv.Stderr = &stderr
	if err := srv.Start(); err != nil {
		return Result{}, err
	}
	stop := func() { srv.Process.Signal(syscall.SIGTERM) }
	if err := waitListening(ctx, addr, 60*time.Second); err != nil {
		srv.Process.Kill()
		srv.Wait()
		return Result{}, fmt.Errorf("serve did not listen on %s: %w: %s", addr, err, lastLines(stderr.String(), 5))
	}
	start := time.Now()
	post := r.command(ctx, "ingest", "--url", "http://"+addr, "--source", "http", "--token", token, file)
	var postErr strings.Builder
	post.Stderr = &postErr
	if err := post.Run(); err != nil {
		stop()
		srv.Wait()
		return Result{}, fmt.Errorf("ingest --url: %w: %s", err, lastLines(postErr.String(), 5))
	}
	stop()
	if err := srv.Wait(); err != nil {
		return Result{}, fmt.Errorf("serve: %w: %s", err, lastLines(stderr.String(), 5))
	}
	return measured(srv.ProcessState, time.Since(start)), nil
}

func measured(ps *os.ProcessState, wall time.Duration) Result {
	return Result{CPU: ps.UserTime() + ps.SystemTime(), Wall: wall, PeakRSS: peakRSS(ps)}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitListening(ctx context.Context, addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
