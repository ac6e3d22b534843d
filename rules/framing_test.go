package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/streamalert/streamalert/schema"
)

// TestPack_SyslogFramingDoesNotMatter: an sshd or sudo message fires the
// same pack rules whether RFC 3164, an ISO-timestamp file format,
// journalctl's short-iso output or RFC 5424 (rsyslog's RSYSLOG_SyslogProtocol23Format, used for forwarding)
// carried it, classified in auto mode over every built-in type.
func TestPack_SyslogFramingDoesNotMatter(t *testing.T) {
	set := loadPack(t)
	m := NewMatcher(set)
	cls := schema.NewClassifier(schema.Builtin())
	messages := []string{
		"sshd[2199]: Accepted password for root from 198.51.100.23 port 40100 ssh2",
		"sudo: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash",
		"sudo: bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh",
		"useradd[812]: new user: name=backdoor, UID=1005, GID=1005, home=/home/backdoor, shell=/bin/bash, from=/dev/pts/0",
	}
	frame := map[string]func(prog, pid, msg string) string{
		"rfc3164": func(prog, pid, msg string) string {
			return "<38>Mar  3 12:00:01 web01 " + prog + pid + ": " + msg
		},
		"iso file": func(prog, pid, msg string) string {
			return "2024-03-03T12:00:01.123456+00:00 web01 " + prog + pid + ": " + msg
		},
		"journalctl short-iso-precise": func(prog, pid, msg string) string {
			return "2024-03-03T12:00:01.123456+0000 web01 " + prog + pid + ": " + msg
		},
		"rfc5424": func(prog, pid, msg string) string {
			p := strings.Trim(pid, "[]")
			if p == "" {
				p = "-"
			}
			return "<38>1 2024-03-03T12:00:01.123456+00:00 web01 " + prog + " " + p + " - - " + msg
		},
		"rfc5424 with sd and bom": func(prog, pid, msg string) string {
			return "<38>1 2024-03-03T12:00:01Z web01 " + prog + " 77 auth [origin software=\"rsyslogd\"] \ufeff" + msg
		},
	}
	fired := 0
	for _, line := range messages {
		head, msg, _ := strings.Cut(line, ": ")
		prog, pid := head, ""
		if i := strings.IndexByte(head, '['); i >= 0 {
			prog, pid = head[:i], head[i:]
		}
		var want []string
		for _, name := range []string{"rfc3164", "iso file", "journalctl short-iso-precise", "rfc5424", "rfc5424 with sd and bom"} {
			raw := frame[name](prog, pid, msg)
			var got []string
			err := cls.Classify([]byte(raw), schema.Input{Source: "test"}, func(r *schema.Record) {
				if r.LogType.Name != "linux:auth" {
					t.Errorf("%s: %q is %s, want linux:auth", name, raw, r.LogType.Name)
				}
				m.Match(r, func(rule *Rule, _ Match) { got = append(got, rule.Name) })
			}, func(u *schema.Unclassified) { t.Errorf("%s: %q unclassified: %s", name, raw, u.Reason) })
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if name == "rfc3164" {
				want = got
				fired += len(got)
				continue
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: %q fires %v; in RFC 3164 it fires %v", name, msg, got, want)
			}
		}
	}
	if fired < 3 {
		t.Errorf("the messages fire %d pack rules in RFC 3164: the test shows nothing", fired)
	}
}
