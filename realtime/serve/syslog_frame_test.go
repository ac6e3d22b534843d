package serve

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// TestReadSyslogStream_Framing splits TCP streams the way senders frame
// them: octet counting only for a run of digits, a space and "<"; every
// other line (rsyslog's RSYSLOG_FileFormat starts with an ISO timestamp,
// a bare number, a year) is one message per line.
func TestReadSyslogStream_Framing(t *testing.T) {
	fileFormat := "2026-12-08T02:52:55.332168+00:00 web01 sshd[4242]: Failed password for invalid user admin from 198.51.100.23 port 40022 ssh2"
	rfc5424 := "<34>1 2026-12-08T02:52:55.332Z web01 sshd 4242 - - Accepted publickey for bob"
	tests := []struct {
		name   string
		stream string
		want   []string
	}{
		{"lf, RFC 3164", "<34>Oct 11 22:14:15 web01 sshd[1]: a\n<34>Oct 11 22:14:16 web01 sshd[1]: b\n",
			[]string{"<34>Oct 11 22:14:15 web01 sshd[1]: a\n", "<34>Oct 11 22:14:16 web01 sshd[1]: b\n"}},
		{"lf, RSYSLOG_FileFormat without PRI", fileFormat + "\n" + fileFormat + "\n",
			[]string{fileFormat + "\n", fileFormat + "\n"}},
		{"octet counted", lenPrefix(rfc5424) + lenPrefix(rfc5424), []string{rfc5424, rfc5424}},
		{"octet counted then lf", lenPrefix(rfc5424) + fileFormat + "\n", []string{rfc5424, fileFormat + "\n"}},
		{"lf then octet counted", fileFormat + "\n" + lenPrefix(rfc5424), []string{fileFormat + "\n", rfc5424}},
		{"digits and space, no <", "12 apples\n", []string{"12 apples\n"}},
		{"only digits", "2026\n", []string{"2026\n"}},
		{"digits at end of stream", "123", []string{"123"}},
		{"digits and space at end of stream", "123 ", []string{"123 "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := ReadSyslogStream(strings.NewReader(tc.stream), func(m []byte) { got = append(got, string(m)) })
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestReadSyslogStream_Refuses names what is wrong with a stream that
// cannot be framed, and does not read an unbounded line into memory.
func TestReadSyslogStream_Refuses(t *testing.T) {
	tests := []struct {
		name, stream, err string
	}{
		{"count over the limit", "99999999 <34>x", "octet count"},
		{"count longer than the data", "50 <34>short", "message of 50 bytes"},
		{"line over the limit", strings.Repeat("a", MaxSyslogMessage+10) + "\n", "line over"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ReadSyslogStream(strings.NewReader(tc.stream), func([]byte) {})
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

func lenPrefix(m string) string { return strconv.Itoa(len(m)) + " " + m }

// FuzzReadSyslogStream checks that any stream is framed without panic,
// that every message is within the limit, and that a stream of lines none
// of which starts like an octet count comes back line for line.
func FuzzReadSyslogStream(f *testing.F) {
	f.Add([]byte("<34>Oct 11 22:14:15 web01 sshd[1]: a\n"))
	f.Add([]byte("2026-12-08T02:52:55.332168+00:00 web01 sshd[1]: a\n"))
	f.Add([]byte("10 <34>1 - - x12 <1>"))
	f.Add([]byte("123 \n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var n int
		_ = ReadSyslogStream(bytes.NewReader(data), func(m []byte) {
			if len(m) > MaxSyslogMessage+1 {
				t.Fatalf("message of %d bytes", len(m))
			}
			n += len(m)
		})
		if n > len(data) {
			t.Fatalf("%d message bytes from a %d-byte stream", n, len(data))
		}
	})
}
