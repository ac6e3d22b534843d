package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// splitStreamed collects the batches of SplitPayload (copies: batches are
// reused).
func splitStreamed(t testing.TB, data []byte, size int) ([]string, error) {
	t.Helper()
	var out []string
	err := SplitPayload(bytes.NewReader(data), size, func(b []byte) error {
		out = append(out, string(b))
		return nil
	})
	return out, err
}

// splitWhole collects the batches of Inflate then SplitBatches, the path
// of a payload held whole.
func splitWhole(t testing.TB, data []byte, size int) ([]string, error) {
	t.Helper()
	text, err := Inflate(data, 0)
	if err != nil {
		return nil, err
	}
	var out []string
	err = SplitBatches(text, size, func(b []byte) error {
		out = append(out, string(b))
		return nil
	})
	return out, err
}

const prettyDoc = `{
  "Records": [
    {"eventName": "StopLogging", "eventTime": "2024-03-03T10:00:00Z"},
    {"eventName": "GetObject", "eventTime": "2024-03-03T10:00:01Z"}
  ]
}
`

// TestSniff_SameAnswerOnEveryPath: for each zlib header (78 01, 5e, 9c,
// da), gzip and text that looks like a zlib header, Sniff, Inflate (a
// payload held whole) and NewPayloadReader (a stream) agree.
func TestSniff_SameAnswerOnEveryPath(t *testing.T) {
	text := strings.Repeat(`{"eventName":"GetObject"}`+"\n", 300) // past SniffLen
	longX := "x^" + strings.Repeat("2 + y^2 = z^2\n", 400)
	cases := []struct {
		name    string
		payload []byte
		want    Compression
		text    string
	}{
		{"zlib 78 01 (level 1)", zlibBytes(t, 1, text), Zlib, text},
		{"zlib 78 01 (stored)", zlibBytes(t, 0, text), Zlib, text},
		{"zlib 78 5e (level 3)", zlibBytes(t, 3, text), Zlib, text},
		{"zlib 78 5e, tiny", zlibBytes(t, 3, "x^y"), Zlib, "x^y"},
		{"zlib 78 9c (level 6)", zlibBytes(t, 6, text), Zlib, text},
		{"zlib 78 da (level 9)", zlibBytes(t, 9, text), Zlib, text},
		{"zlib two streams", zlibBytes(t, 3, "a\n", "b\n"), Zlib, "a\nb\n"},
		{"gzip", gzipBytes(t, text), Gzip, text},
		{"gzip two members, NUL padding", append(gzipBytes(t, "a\n", "b\n"), 0, 0), Gzip, "a\nb\n"},
		{"text x^, short", []byte("x^2 + y^2 = z^2\n"), Uncompressed, "x^2 + y^2 = z^2\n"},
		{"text x^, past SniffLen", []byte(longX), Uncompressed, longX},
		{"text xy", []byte("xyz\n"), Uncompressed, "xyz\n"},
		{"json", []byte(text), Uncompressed, text},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if want := []byte{0x78, 0x01, 0x5e, 0x9c, 0xda}; c.want == Zlib && (c.payload[0] != want[0] || bytes.IndexByte(want[1:], c.payload[1]) < 0) {
				t.Fatalf("payload starts % x, not a zlib header", c.payload[:2])
			}
			if got := sniffPayload(c.payload); got != c.want {
				t.Errorf("Sniff = %v, want %v", got, c.want)
			}
			whole, err := Inflate(c.payload, 0)
			if err != nil || string(whole) != c.text {
				t.Errorf("Inflate = %q, %v", trunc(whole), err)
			}
			r, err := NewPayloadReader(bytes.NewReader(c.payload))
			if err != nil {
				t.Fatal(err)
			}
			streamed, err := io.ReadAll(r)
			if err != nil || string(streamed) != c.text {
				t.Errorf("NewPayloadReader read %q, %v", trunc(streamed), err)
			}
		})
	}
}

// TestSplit_SameBatchesOnEveryPath: the streamed splitter (S3 objects)
// and the one over a payload held whole (`streamalert ingest`) cut the
// same batches, and keep whole exactly what the classifier reads as one
// document.
func TestSplit_SameBatchesOnEveryPath(t *testing.T) {
	lines := "" // 10 lines of 10 bytes
	for i := range 10 {
		lines += fmt.Sprintf("line %04d\n", i)
	}
	gzMembers := append(gzipBytes(t, lines[:50]), gzipBytes(t, lines[50:])...)
	cases := []struct {
		name string
		data []byte
		size int
		want []string
	}{
		{"lines in batches of at least size", []byte(lines), 25, []string{lines[:30], lines[30:60], lines[60:90], lines[90:]}},
		{"one batch when small", []byte(lines), 1 << 20, []string{lines}},
		{"no final newline", []byte("a\nb"), 1, []string{"a\n", "b"}},
		{"blank batches are dropped", []byte("a\n\n\n  \nb\n"), 2, []string{"a\n", "b\n"}},
		{"empty", nil, 10, nil},
		{"gzip, two members", gzMembers, 45, []string{lines[:50], lines[50:]}},
		{"zlib 78 5e", zlibBytes(t, 3, lines), 1 << 20, []string{lines}},
		{"x^ is text, not zlib", []byte("x^y\nz\n"), 1, []string{"x^y\n", "z\n"}},
		{"a document over many lines stays whole", []byte(prettyDoc), 16, []string{prettyDoc}},
		{"a gzip document stays whole", gzipBytes(t, prettyDoc), 16, []string{prettyDoc}},
		{"blank lines before a document", []byte("\n  \n" + prettyDoc), 16, []string{prettyDoc}},
		{"an array over lines", []byte("[\n1,\n2\n]\n"), 1, []string{"[\n1,\n2\n]\n"}},
		{"a broken document is one batch too", []byte("{\"a\":\n1,\n"), 1, []string{"{\"a\":\n1,\n"}},
		{"JSON lines are cut", []byte("{\"a\":1}\n{\"a\":2}\n"), 1, []string{"{\"a\":1}\n", "{\"a\":2}\n"}},
		{"a one-line document then lines", []byte("[1]\nx\n"), 1, []string{"[1]\n", "x\n"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			streamed, err := splitStreamed(t, c.data, c.size)
			if err != nil {
				t.Fatal(err)
			}
			whole, err := splitWhole(t, c.data, c.size)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(streamed, "|") != strings.Join(c.want, "|") {
				t.Errorf("SplitPayload batches\n%q\nwant\n%q", streamed, c.want)
			}
			if strings.Join(whole, "|") != strings.Join(c.want, "|") {
				t.Errorf("SplitBatches batches\n%q\nwant\n%q", whole, c.want)
			}
			// Whole means the classifier reads one document, and cut
			// means it does not.
			text, _ := Inflate(c.data, 0)
			if t2 := trimSpace(text); len(t2) > 0 && (t2[0] == '{' || t2[0] == '[') && c.size < len(text) {
				if oneDoc := spansLines(t2); oneDoc != (len(c.want) == 1) {
					t.Errorf("the classifier reads one document: %v; batches %d", oneDoc, len(c.want))
				}
			}
		})
	}
}

func TestSplitPayload_Errors(t *testing.T) {
	if _, err := splitStreamed(t, []byte{0x1f, 0x8b, 1, 2, 3}, 10); err == nil {
		t.Error("a broken gzip payload split without error")
	}
	gz := gzipBytes(t, strings.Repeat("a line\n", 1000))
	if _, err := splitStreamed(t, gz[:len(gz)/2], 10); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("a truncated gzip payload: %v", err)
	}
	if _, err := splitStreamed(t, append(gzipBytes(t, "a\n"), "junk after the member"...), 10); err == nil || !strings.Contains(err.Error(), "not a gzip member") {
		t.Errorf("gzip then junk: %v", err)
	}
	if _, err := splitStreamed(t, append(zlibBytes(t, 6, "a\n"), "zz"...), 10); err == nil || !strings.Contains(err.Error(), "not a zlib member") {
		t.Errorf("zlib then junk: %v", err)
	}
	stop := errors.New("stop")
	if err := SplitPayload(strings.NewReader("a\nb\nc\n"), 1, func([]byte) error { return stop }); err != stop {
		t.Errorf("SplitPayload: fn's error not returned: %v", err)
	}
	if err := SplitBatches([]byte("a\nb\nc\n"), 1, func([]byte) error { return stop }); err != stop {
		t.Errorf("SplitBatches: fn's error not returned: %v", err)
	}
}

// FuzzSplitPayload: whatever the text, both splitters cut the same
// batches, which put together are the text (less blank stretches), none
// blank, all but the last ending a line.
func FuzzSplitPayload(f *testing.F) {
	f.Add([]byte("a\nb\nc"), 2)
	f.Add([]byte("{\n\"a\": 1\n}\n"), 1)
	f.Add([]byte("[1,\n2]\nx\n"), 3)
	f.Add([]byte("\n\n\n"), 1)
	f.Add([]byte("\n {\nx"), 1)
	f.Fuzz(func(t *testing.T, data []byte, size int) {
		if sniffPayload(data) != Uncompressed {
			return // compressed: covered by the table tests
		}
		size = size%64 + 1
		got, err := splitStreamed(t, data, size)
		if err != nil {
			t.Fatal(err)
		}
		whole, _ := splitWhole(t, data, size)
		if strings.Join(got, "\x00|") != strings.Join(whole, "\x00|") {
			t.Fatalf("streamed %q, whole %q", got, whole)
		}
		joined := strings.Join(got, "")
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

func BenchmarkSplitPayload(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; buf.Len() < 16<<20; i++ {
		fmt.Fprintf(&buf, `{"time":"2024-03-03T10:00:%02dZ","level":"info","msg":"request served","status":200,"bytes":%d}`+"\n", i%60, i)
	}
	data := gzipBytes(b, buf.String())
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := SplitPayload(bytes.NewReader(data), 4<<20, func(batch []byte) error { n += len(batch); return nil }); err != nil {
			b.Fatal(err)
		}
		if n != buf.Len() {
			b.Fatalf("split %d bytes of %d", n, buf.Len())
		}
	}
}
