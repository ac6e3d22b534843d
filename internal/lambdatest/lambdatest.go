// Package lambdatest starts the local stand-ins the AWS tests run against:
// the Lambda Runtime Interface Emulator, dynalite (DynamoDB) and
// kinesalite (Kinesis); it also provides the npm packages other tests run
// on node. What is missing is installed into a cache directory on first
// use — the emulator with go install from the Go module proxy, the npm
// packages with npm — and a tool that still cannot be had skips the test,
// except under CI=true, where it fails it.
package lambdatest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/streamalert/streamalert/internal/testproc"
)

// Versions installed when a tool is missing.
const (
	DynaliteVersion   = "4.0.0"
	KinesaliteVersion = "3.3.3"
	// RIEModule is the emulator's command, installed @latest (the module
	// has no tagged versions).
	RIEModule = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"
)

// Region, AccessKey and SecretKey are what tests give the SDKs.
const (
	Region    = "us-east-1"
	AccessKey = "AKIDLAMBDATEST"
	SecretKey = "lambdatest-secret"
)

// Missing reports a tool the test cannot run without: the test is skipped,
// or failed when the environment says CI=true.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s (required when CI=true)", msg)
	}
	tb.Skip(msg)
}

// CacheDir is where installed tools are kept: $STREAMALERT_TEST_CACHE, or
// streamalert-test in the user's cache directory.
func CacheDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("STREAMALERT_TEST_CACHE")
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		dir = filepath.Join(base, "streamalert-test")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatalf("lambdatest: cache dir: %v", err)
	}
	return dir
}

// FreePort returns a TCP port free on 127.0.0.1 a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("lambdatest: free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// AWSConfig is an SDK configuration with static test credentials.
func AWSConfig() aws.Config {
	return aws.Config{Region: Region, Credentials: credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, "")}
}

// AWSEnv returns the environment of a child process that uses the SDK:
// test credentials, the region, and endpoints by service id
// ("S3": url sets AWS_ENDPOINT_URL_S3).
func AWSEnv(endpoints map[string]string) []string {
	env := []string{"AWS_REGION=" + Region, "AWS_DEFAULT_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + AccessKey, "AWS_SECRET_ACCESS_KEY=" + SecretKey,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
		"AWS_REQUEST_CHECKSUM_CALCULATION=when_required", "AWS_RESPONSE_CHECKSUM_VALIDATION=when_required"}
	for id, url := range endpoints {
		env = append(env, "AWS_ENDPOINT_URL_"+strings.ToUpper(id)+"="+url)
	}
	return env
}

// Proc is a process a test started; it is killed (with its process
// group) when the test ends, or by the kernel if the test binary dies
// first (internal/testproc), and its output is logged if the test failed.
type Proc struct {
	Cmd  *exec.Cmd
	out  syncBuffer
	done chan struct{}
	err  error
	stop sync.Once
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Start starts cmd for the rest of the test.
func Start(tb testing.TB, cmd *exec.Cmd) *Proc {
	tb.Helper()
	p := &Proc{Cmd: cmd, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.out, &p.out
	testproc.Own(cmd)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("lambdatest: start %s: %v", cmd.Path, err)
	}
	testproc.Started(cmd)
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	tb.Cleanup(func() {
		p.Stop()
		if tb.Failed() {
			tb.Logf("output of %s:\n%s", filepath.Base(cmd.Path), p.Output())
		}
	})
	return p
}

// Stop kills the process and its group and waits for it to end.
func (p *Proc) Stop() {
	p.stop.Do(func() {
		testproc.Kill(p.Cmd)
		<-p.done
	})
}

// Output returns what the process wrote so far.
func (p *Proc) Output() string { return p.out.String() }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitListening waits until addr accepts connections, failing the test if
// the process ends first or nothing listens within a minute.
func (p *Proc) WaitListening(tb testing.TB, addr string) {
	tb.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if p.Exited() {
			tb.Fatalf("lambdatest: %s exited (%v) before listening on %s:\n%s", filepath.Base(p.Cmd.Path), p.err, addr, p.Output())
		}
		if time.Now().After(deadline) {
			tb.Fatalf("lambdatest: %s does not listen on %s:\n%s", filepath.Base(p.Cmd.Path), addr, p.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
