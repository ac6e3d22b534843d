package firehose

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/firehose/internal/synth"
	"github.com/streamalert/streamalert/internal/duckdbtest"
)

// The crash tests run the writer in a child process (this test binary,
// re-run with crashEnv set), kill it with SIGKILL in the middle of writing,
// and check the lake: every .parquet file is complete, and no partial file
// is visible to the lake's read_parquet glob.
const (
	crashEnv     = "FIREHOSE_CRASH_LAKE"
	crashModeEnv = "FIREHOSE_CRASH_MODE"
)

// TestCrashHelper is the child process; it does nothing in a normal run.
func TestCrashHelper(t *testing.T) {
	lake := os.Getenv(crashEnv)
	if lake == "" {
		t.Skip("only run as the crash tests' child process")
	}
	if os.Getenv(crashModeEnv) == "pause" {
		// Stop for good in the middle of the fourth file.
		n := 0
		testHookMidWrite = func(tmp string) {
			if n++; n == 4 {
				fmt.Printf("PAUSED %s\n", tmp)
				os.Stdout.Sync()
				select {}
			}
		}
	}
	w, err := NewLake(NewDir(lake), Options{BufferSize: 256 << 10, BufferInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	recs := synth.Records(5000, 1)
	for i := 0; ; i++ {
		if err := w.Write(recs[i%len(recs)]); err != nil {
			t.Fatal(err)
		}
	}
}

func startCrashHelper(t *testing.T, lake, mode string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.v")
	cmd.Env = append(os.Environ(), crashEnv+"="+lake, crashModeEnv+"="+mode)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, bufio.NewScanner(out)
}

func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred code runs
		t.Fatal(err)
	}
	cmd.Wait()
}

// checkLakeAfterCrash checks every file under lake and returns the number
// of published files and of leftover temporary ones.
func checkLakeAfterCrash(t *testing.T, lake string) (published, temps int) {
	t.Helper()
	db := duckdbtest.Open(t)
	var total int64
	err := filepath.WalkDir(lake, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !strings.HasSuffix(p, ".parquet") {
			if !strings.HasPrefix(d.Name(), ".") || !strings.HasSuffix(d.Name(), ".tmp") {
				t.Errorf("unexpected file %s", p)
			}
			temps++
			return nil
		}
		published++
		// Opening reads the footer and every row: a cut file fails here.
		total += duckdbtest.QueryInt(t, db, "SELECT count(*) FROM read_parquet("+duckdbtest.Quote(p)+")")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The lake glob sees exactly the published files, all readable.
	if published > 0 {
		glob := duckdbtest.ReadParquet(lake)
		if n := duckdbtest.QueryInt(t, db, "SELECT count(DISTINCT filename) FROM "+strings.Replace(glob, "union_by_name=true", "union_by_name=true, filename=true", 1)); n != int64(published) {
			t.Errorf("the lake glob matches %d files, want the %d published", n, published)
		}
		if n := duckdbtest.QueryInt(t, db, "SELECT count(*) FROM "+glob); n != total {
			t.Errorf("the lake glob reads %d rows, the files %d", n, total)
		}
	}
	return published, temps
}

func TestLake_KilledMidWriteLeavesNoPartialFile(t *testing.T) {
	lake := t.TempDir()
	cmd, out := startCrashHelper(t, lake, "pause")
	var tmp string
	for out.Scan() {
		if p, ok := strings.CutPrefix(out.Text(), "PAUSED "); ok {
			tmp = p
			break
		}
	}
	if tmp == "" {
		t.Fatal("the child exited before pausing mid-write")
	}
	kill(t, cmd)
	st, err := os.Stat(tmp)
	if err != nil {
		t.Fatalf("the half-written temporary file: %v", err)
	}
	if st.Size() == 0 {
		t.Errorf("the temporary file is empty; the kill was not mid-write")
	}
	published, temps := checkLakeAfterCrash(t, lake)
	if published != 3 || temps != 1 {
		t.Errorf("%d published files and %d temporary ones, want 3 and 1", published, temps)
	}
}

func TestLake_KilledWhileWritingLeavesCompleteFiles(t *testing.T) {
	lake := t.TempDir()
	cmd, _ := startCrashHelper(t, lake, "run")
	// Let it write a few files, then kill it wherever it is.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if n := countParquet(lake); n >= 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the child wrote fewer than 5 files in a minute")
		}
	}
	kill(t, cmd)
	if published, _ := checkLakeAfterCrash(t, lake); published < 5 {
		t.Errorf("%d files published, want at least 5", published)
	}
}

func countParquet(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".parquet") {
			n++
		}
		return nil
	})
	return n
}

// TestLake_RestartRemovesTempOfKilledWrite kills the writer mid-file and
// opens the lake again: the temporary file of the killed write is removed
// once it is older than a write can take (TempMaxAge: another writer on
// the same lake may be writing one now), and the published files stay.
func TestLake_RestartRemovesTempOfKilledWrite(t *testing.T) {
	lake := t.TempDir()
	cmd, out := startCrashHelper(t, lake, "pause")
	var tmp string
	for out.Scan() {
		if p, ok := strings.CutPrefix(out.Text(), "PAUSED "); ok {
			tmp = p
			break
		}
	}
	if tmp == "" {
		t.Fatal("the child exited before pausing mid-write")
	}
	kill(t, cmd)

	// At once: the temporary file may be another writer's; it stays.
	w, err := NewLake(NewDir(lake), Options{BufferInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	w.Close(context.Background())
	if _, err := os.Stat(tmp); err != nil {
		t.Fatalf("a fresh temporary file was removed at start: %v", err)
	}
	// Later (the clock of the restarted writer past TempMaxAge).
	later := time.Now().Add(TempMaxAge + time.Second)
	w, err = NewLake(NewDir(lake), Options{BufferInterval: time.Hour, Now: func() time.Time { return later }})
	if err != nil {
		t.Fatal(err)
	}
	w.Close(context.Background())
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("the killed write's temporary file after restart: %v", err)
	}
	if published, temps := checkLakeAfterCrash(t, lake); published != 3 || temps != 0 {
		t.Errorf("%d published files and %d temporary ones, want 3 and 0", published, temps)
	}
}
