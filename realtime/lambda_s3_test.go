package realtime

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
	"testing"

	"github.com/streamalert/streamalert/internal/lambdatest"
)

// splitAll collects the batches of SplitObject (copies: batches are reused).
func splitAll(t testing.TB, data []byte, size int) ([]string, error) {
	t.Helper()
	var out []string
	err := SplitObject(bytes.NewReader(data), size, func(b []byte) error {
		out = append(out, string(b))
		return nil
	})
	return out, err
}

func zlibBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestSplitObject(t *testing.T) {
	lines := "" // 10 lines of 10 bytes
	for i := range 10 {
		lines += fmt.Sprintf("line %04d\n", i)
	}
	pretty := string(lambdatest.Object(t, "cloudtrail_pretty.json"))
	gzMembers := append(lambdatest.Gzip([]byte(lines[:50])), lambdatest.Gzip([]byte(lines[50:]))...)
	tests := []struct {
		name string
		data []byte
		size int
		want []string
	}{
		{"lines in batches of at least size", []byte(lines), 25,
			[]string{lines[:30], lines[30:60], lines[60:90], lines[90:]}},
		{"one batch when small", []byte(lines), 1 << 20, []string{lines}},
		{"no final newline", []byte("a\nb"), 1, []string{"a\n", "b"}},
		{"blank batches are dropped", []byte("a\n\n\n  \nb\n"), 2, []string{"a\n", "b\n"}},
		{"empty object", nil, 10, nil},
		{"gzip, two members", gzMembers, 45, []string{lines[:50], lines[50:]}},
		{"zlib", zlibBytes([]byte(lines)), 1 << 20, []string{lines}},
		{"x^ is text, not zlib", []byte("x^y\nz\n"), 1, []string{"x^y\n", "z\n"}},
		{"a document over many lines stays whole", []byte(pretty), 64, []string{pretty}},
		{"a gzip document over many lines stays whole", lambdatest.Gzip([]byte(pretty)), 64, []string{pretty}},
		{"JSON lines are cut", []byte("{\"a\":1}\n{\"a\":2}\n"), 1, []string{"{\"a\":1}\n", "{\"a\":2}\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := splitAll(t, tt.data, tt.size)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("batches\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestSplitObject_Errors(t *testing.T) {
	if _, err := splitAll(t, []byte{0x1f, 0x8b, 1, 2, 3}, 10); err == nil {
		t.Error("a broken gzip object split without error")
	}
	truncated := lambdatest.Gzip([]byte(strings.Repeat("a line\n", 1000)))
	if _, err := splitAll(t, truncated[:len(truncated)/2], 10); err == nil {
		t.Error("a truncated gzip object split without error")
	}
	stop := fmt.Errorf("stop")
	err := SplitObject(strings.NewReader("a\nb\nc\n"), 1, func([]byte) error { return stop })
	if err != stop {
		t.Errorf("fn's error not returned: %v", err)
	}
}

// FuzzSplitObject: whatever the object, its batches put together are the
// object (for text that is not compressed), none is blank, and all but the
// last end at a line end.
func FuzzSplitObject(f *testing.F) {
	f.Add([]byte("a\nb\nc"), 2)
	f.Add([]byte("{\n\"a\": 1\n}\n"), 1)
	f.Add([]byte("[1,\n2]\nx\n"), 3)
	f.Add([]byte("\n\n\n"), 1)
	f.Fuzz(func(t *testing.T, data []byte, size int) {
		if len(data) >= 2 && (data[0] == 0x1f && data[1] == 0x8b || data[0] == 0x78 && (data[1] == 0x01 || data[1] == 0x9c || data[1] == 0xda)) {
			return // compressed: covered by the table test
		}
		size = size%64 + 1
		got, err := splitAll(t, data, size)
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(got, "")
		// Only blank stretches may be missing.
		if strings.Join(strings.Fields(joined), "") != strings.Join(strings.Fields(string(data)), "") {
			t.Fatalf("batches %q do not make up %q", got, data)
		}
		for i, b := range got {
			if strings.TrimSpace(b) == "" {
				t.Fatalf("batch %d is blank", i)
			}
			if i < len(got)-1 && !strings.HasSuffix(b, "\n") {
				t.Fatalf("batch %d %q does not end a line", i, b)
			}
		}
	})
}

func BenchmarkSplitObject(b *testing.B) {
	var buf bytes.Buffer
	line := string(lambdatest.Object(b, "app.jsonl"))
	for buf.Len() < 16<<20 {
		buf.WriteString(line)
	}
	data := lambdatest.Gzip(buf.Bytes())
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := SplitObject(bytes.NewReader(data), 4<<20, func(batch []byte) error { n += len(batch); return nil }); err != nil {
			b.Fatal(err)
		}
		if n != buf.Len() {
			b.Fatalf("split %d bytes of %d", n, buf.Len())
		}
	}
}
