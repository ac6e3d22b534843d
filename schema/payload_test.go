package schema

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func gzipBytes(t testing.TB, parts ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, p := range parts { // one member per part
		w := gzip.NewWriter(&buf)
		if _, err := w.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func zlibBytes(t testing.TB, level int, parts ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, p := range parts {
		w, err := zlib.NewWriterLevel(&buf, level)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestInflate(t *testing.T) {
	text := strings.Repeat(`{"eventName":"GetObject"}`+"\n", 100)
	gz := gzipBytes(t, text)
	cases := []struct {
		name    string
		payload []byte
		max     int64
		want    string
		wantErr string
	}{
		{name: "plain json", payload: []byte(`{"a":1}`), max: 10, want: `{"a":1}`},
		{name: "plain text over max is returned as is", payload: []byte("0123456789abc"), max: 4, want: "0123456789abc"},
		{name: "empty", payload: nil, max: 10, want: ""},
		{name: "gzip", payload: gz, max: 1 << 20, want: text},
		{name: "gzip exactly max", payload: gz, max: int64(len(text)), want: text},
		{name: "gzip one past max", payload: gz, max: int64(len(text)) - 1, wantErr: fmt.Sprintf("payload inflates past %d bytes", len(text)-1)},
		{name: "gzip no limit", payload: gz, max: 0, want: text},
		{name: "gzip multi-member", payload: gzipBytes(t, "a\n", "", "b\n"), max: 100, want: "a\nb\n"},
		{name: "gzip multi-member over max", payload: gzipBytes(t, "aaaa", "bbbb"), max: 6, wantErr: "payload inflates past 6 bytes"},
		{name: "gzip with NUL padding", payload: append(gzipBytes(t, "x"), 0, 0, 0, 0), max: 10, want: "x"},
		{name: "gzip truncated in data", payload: gz[:len(gz)/2], max: 1 << 20, wantErr: "gzip payload is truncated (in member 1)"},
		{name: "gzip truncated in trailer", payload: gz[:len(gz)-3], max: 1 << 20, wantErr: "gzip payload is truncated"},
		{name: "gzip header only", payload: []byte{0x1f, 0x8b}, max: 10, wantErr: "gzip payload is truncated"},
		{name: "gzip bad checksum", payload: flipByte(gz, len(gz)-6), max: 1 << 20, wantErr: "gzip payload is corrupt (in member 1)"},
		{name: "gzip bad deflate data", payload: flipByte(gz, 12), max: 1 << 20, wantErr: "gzip payload is corrupt"},
		{name: "gzip trailing garbage", payload: append(gzipBytes(t, "x"), []byte("garbage after it")...), max: 10, wantErr: "16 bytes after member 1 are not a gzip member"},
		{name: "gzip second member truncated", payload: gzipBytes(t, "a", "b")[:len(gzipBytes(t, "a"))+15], max: 10, wantErr: "truncated (in member 2)"},
		{name: "zlib default", payload: zlibBytes(t, zlib.DefaultCompression, text), max: 1 << 20, want: text},
		{name: "zlib best speed", payload: zlibBytes(t, zlib.BestSpeed, text), max: 1 << 20, want: text},
		{name: "zlib best compression", payload: zlibBytes(t, zlib.BestCompression, text), max: 1 << 20, want: text},
		{name: "zlib no compression", payload: zlibBytes(t, zlib.NoCompression, text), max: 1 << 20, want: text},
		{name: "zlib level 3 (78 5e)", payload: zlibBytes(t, 3, text), max: 1 << 20, want: text},
		{name: "zlib two streams", payload: zlibBytes(t, 6, "a", "b"), max: 10, want: "ab"},
		{name: "zlib over max", payload: zlibBytes(t, 6, text), max: 100, wantErr: "payload inflates past 100 bytes"},
		{name: "zlib truncated", payload: zlibBytes(t, 6, text)[:20], max: 1 << 20, wantErr: "zlib payload is truncated"},
		{name: "zlib bad adler", payload: flipByte(zlibBytes(t, 6, text), -1), max: 1 << 20, wantErr: "zlib payload is corrupt"},
		{name: "zlib trailing garbage", payload: append(zlibBytes(t, 6, "a"), 'z', 'z'), max: 10, wantErr: "2 bytes after stream 1"},
		{name: "text starting x^ is not zlib", payload: []byte("x^2 + y^2 = z^2"), max: 100, want: "x^2 + y^2 = z^2"},
		{name: "78 with other flag byte is not zlib", payload: []byte("xyz"), max: 100, want: "xyz"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Inflate(c.payload, c.max)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Inflate error = %v, want one containing %q (got %d bytes)", err, c.wantErr, len(got))
				}
				if got != nil {
					t.Errorf("Inflate returned %d bytes with its error", len(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("Inflate: %v", err)
			}
			if string(got) != c.want {
				t.Fatalf("Inflate = %q, want %q", trunc(got), trunc([]byte(c.want)))
			}
		})
	}
}

func TestInflate_TooLargeIsDetectable(t *testing.T) {
	_, err := Inflate(gzipBytes(t, strings.Repeat("a", 1000)), 10)
	if !errors.Is(err, errTooLarge) {
		t.Fatalf("error %v does not match errTooLarge", err)
	}
}

// A forged ISIZE must not make Inflate allocate for it.
func TestInflate_ForgedSizeHint(t *testing.T) {
	gz := gzipBytes(t, "small")
	forged := append([]byte(nil), gz...)
	copy(forged[len(forged)-4:], []byte{0xff, 0xff, 0xff, 0x7f})
	if h := sizeHint(forged, 1<<40); h > len(forged)*1032 {
		t.Errorf("size hint %d for a %d-byte payload", h, len(forged))
	}
	if _, err := Inflate(forged, 1<<40); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("forged ISIZE: error %v, want a corrupt payload", err)
	}
}

func TestInflate_LargeLine(t *testing.T) {
	line := strings.Repeat("z", 10<<20) + "\n"
	got, err := Inflate(gzipBytes(t, line), 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(line) {
		t.Fatalf("inflated %d bytes, want %d", len(got), len(line))
	}
}

func flipByte(b []byte, i int) []byte {
	out := append([]byte(nil), b...)
	if i < 0 {
		i += len(out)
	}
	out[i] ^= 0xff
	return out
}

func trunc(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}

func TestSplitLines(t *testing.T) {
	cases := []struct {
		name    string
		payload string
		want    []string
	}{
		{"empty", "", nil},
		{"one line no newline", "a", []string{"a"}},
		{"lf", "a\nb\n", []string{"a", "b"}},
		{"crlf", "a\r\nb\r\n", []string{"a", "b"}},
		{"blank lines skipped", "\n\na\n \t\r\n\r\nb\n\n", []string{"a", "b"}},
		{"inner whitespace kept", "  a b  \n", []string{"  a b  "}},
		{"only one cr stripped", "a\r\r\n", []string{"a\r"}},
		{"lone cr is not a line break", "a\rb\n", []string{"a\rb"}},
	}
	for _, c := range cases {
		var got []string
		err := SplitLines([]byte(c.payload), func(line []byte) error {
			got = append(got, string(line))
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) || len(got) != len(c.want) {
			t.Errorf("%s: SplitLines(%q) = %q, want %q", c.name, c.payload, got, c.want)
		}
	}
}

func TestSplitLines_StopsAtError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := SplitLines([]byte("a\nb\nc\n"), func(line []byte) error {
		n++
		if string(line) == "b" {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Fatalf("err = %v after %d lines, want stop after 2", err, n)
	}
}

func TestSplitLines_TenMegabyteLine(t *testing.T) {
	big := strings.Repeat("q", 10<<20)
	var lens []int
	err := SplitLines([]byte("short\n"+big+"\r\nlast"), func(line []byte) error {
		lens = append(lens, len(line))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(lens) != fmt.Sprint([]int{5, len(big), 4}) {
		t.Fatalf("line lengths %v", lens)
	}
}

func FuzzInflate(f *testing.F) {
	f.Add([]byte("plain text"), int64(100))
	f.Add(gzipBytes(f, "hello\nworld\n"), int64(100))
	f.Add(gzipBytes(f, "a", "b"), int64(1))
	f.Add(zlibBytes(f, 6, "hello"), int64(3))
	f.Add(zlibBytes(f, 3, "x^y"), int64(100))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, int64(10))
	f.Add([]byte{0x78, 0x9c}, int64(10))
	f.Fuzz(func(t *testing.T, payload []byte, max int64) {
		max = int64(uint64(max)%(1<<20)) + 1 // keep the limit positive and small
		out, err := Inflate(payload, max)
		compressed := isGzip(payload) || isZlib(payload)
		switch {
		case err != nil && out != nil:
			t.Fatalf("error %v with %d bytes of output", err, len(out))
		case err != nil && !compressed:
			t.Fatalf("error %v for an uncompressed payload", err)
		case err == nil && !compressed && !bytes.Equal(out, payload):
			t.Fatal("uncompressed payload changed")
		case err == nil && compressed && int64(len(out)) > max && !bytes.Equal(out, payload):
			t.Fatalf("inflated %d bytes past the limit %d", len(out), max)
		}
		// Whatever the bytes, compressing them must round-trip.
		for name, packed := range map[string][]byte{"gzip": gzipBytes(t, string(payload)), "zlib": zlibBytes(t, 6, string(payload))} {
			got, err := Inflate(packed, max)
			switch {
			case int64(len(payload)) > max:
				if !errors.Is(err, errTooLarge) {
					t.Fatalf("%s of %d bytes with limit %d: error %v", name, len(payload), max, err)
				}
			case err != nil:
				t.Fatalf("%s round trip: %v", name, err)
			case !bytes.Equal(got, payload):
				t.Fatalf("%s round trip changed the bytes", name)
			}
		}
	})
}

func BenchmarkInflate(b *testing.B) {
	var text strings.Builder
	for i := 0; text.Len() < 1<<20; i++ {
		fmt.Fprintf(&text, `{"eventVersion":"1.08","eventTime":"2024-01-02T03:04:%02dZ","eventName":"GetObject","sourceIPAddress":"198.51.100.%d","requestID":"%08X"}`+"\n", i%60, i%256, i)
	}
	gz := gzipBytes(b, text.String())
	b.ReportAllocs()
	b.SetBytes(int64(text.Len()))
	for b.Loop() {
		if _, err := Inflate(gz, 64<<20); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSplitLines(b *testing.B) {
	payload := []byte(strings.Repeat("<13>Jan  2 03:04:05 host app[1]: a typical syslog line of some length\r\n", 10000))
	n := 0
	fn := func(line []byte) error { n++; return nil }
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if err := SplitLines(payload, fn); err != nil {
			b.Fatal(err)
		}
	}
}
