package queries

import (
	"strings"
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestSchedule_NextPrev(t *testing.T) {
	for _, tc := range []struct {
		sched, from, next, prev string
	}{
		{"1h", "2024-05-01 10:30", "2024-05-01 11:00", "2024-05-01 10:00"},
		{"15m", "2024-05-01 10:30", "2024-05-01 10:45", "2024-05-01 10:30"},
		{"1d", "2024-05-01 10:30", "2024-05-02 00:00", "2024-05-01 00:00"},
		{"rate(5 minutes)", "2024-05-01 10:31", "2024-05-01 10:35", "2024-05-01 10:30"},
		{"rate(1 hour)", "2024-05-01 10:31", "2024-05-01 11:00", "2024-05-01 10:00"},
		{"*/20 * * * *", "2024-05-01 10:30", "2024-05-01 10:40", "2024-05-01 10:20"},
		{"0 9-17/4 * * *", "2024-05-01 10:30", "2024-05-01 13:00", "2024-05-01 09:00"},
		{"30 2 * * MON", "2024-05-01 10:30", "2024-05-06 02:30", "2024-04-29 02:30"}, // 2024-05-01 is a Wednesday
		{"0 0 * * 7", "2024-05-01 10:30", "2024-05-05 00:00", "2024-04-28 00:00"},    // 7 is Sunday
		{"0 0 1 * *", "2024-05-01 10:30", "2024-06-01 00:00", "2024-05-01 00:00"},
		{"0 0 31 * *", "2024-05-01 10:30", "2024-05-31 00:00", "2024-03-31 00:00"}, // April has 30 days
		{"0 0 29 FEB *", "2024-05-01 10:30", "2028-02-29 00:00", "2024-02-29 00:00"},
		{"0 12 1 * 1", "2024-05-01 10:30", "2024-05-01 12:00", "2024-04-29 12:00"}, // day 1 or Monday
		{"cron(0 12 * * ? *)", "2024-05-01 10:30", "2024-05-01 12:00", "2024-04-30 12:00"},
		{"cron(15 10 ? * 2 *)", "2024-05-01 10:30", "2024-05-06 10:15", "2024-04-29 10:15"}, // EventBridge 2 is Monday
		{"cron(0 0 1 JAN ? 2025)", "2024-05-01 10:30", "2025-01-01 00:00", ""},
	} {
		t.Run(tc.sched, func(t *testing.T) {
			s, err := ParseSchedule(tc.sched)
			if err != nil {
				t.Fatal(err)
			}
			from := at(tc.from)
			if got := s.Next(from); got != at(tc.next) {
				t.Errorf("Next(%s) = %s, want %s", tc.from, got, tc.next)
			}
			want := time.Time{}
			if tc.prev != "" {
				want = at(tc.prev)
			}
			if got := s.Prev(from); !got.Equal(want) {
				t.Errorf("Prev(%s) = %s, want %s", tc.from, got, want)
			}
			if s.String() != tc.sched {
				t.Errorf("String() = %q", s.String())
			}
		})
	}
}

func TestSchedule_Window(t *testing.T) {
	s, _ := ParseSchedule("0 */6 * * *")
	start, end := s.Window(at("2024-05-01 12:00"))
	if start != at("2024-05-01 06:00") || end != at("2024-05-01 12:00") {
		t.Errorf("window [%s, %s)", start, end)
	}
	if p := s.Period(at("2024-05-01 13:00")); p != 6*time.Hour {
		t.Errorf("period %s", p)
	}
}

func TestParseSchedule_Problems(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"often", "want a duration"},
		{"90s", "want a duration of whole minutes"},
		{"0m", "want a duration"},
		{"rate(0 minutes)", "positive integer"},
		{"rate(5 fortnights)", "rate unit"},
		{"rate(1 minutes)", "write rate(1 minute)"},
		{"rate(5 minute)", "rate(n minutes)"},
		{"60 * * * *", "minute \"60\": want 0-59"},
		{"* 24 * * *", "hour \"24\""},
		{"* * 0 * *", "day of month \"0\""},
		{"* * * 13 *", "month \"13\""},
		{"* * * * 8", "day of week \"8\""},
		{"* * L * *", "L, W and # are not supported"},
		{"5-1 * * * *", "runs backwards"},
		{"*/0 * * * *", "step \"0\""},
		{"cron(0 12 * * *)", "5 fields, want 6"},
		{"cron(0 12 1 * MON *)", "make one of them ?"},
		{"cron(0 12 * * 0 *)", "day of week \"0\": want 1-7"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseSchedule(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"1h", "rate(5 minutes)", "*/15 * * * *", "0 0 29 FEB *", "cron(0 12 ? * MON-FRI *)", "1-5,7/2 * * * SUN"} {
		f.Add(s, int64(1714559400))
	}
	f.Fuzz(func(t *testing.T, text string, unix int64) {
		s, err := ParseSchedule(text)
		if err != nil {
			return
		}
		now := time.Unix(unix%(1<<34), 0).UTC()
		next, prev := s.Next(now), s.Prev(now)
		if !next.IsZero() {
			if !next.After(now) || s.Prev(next) != next {
				t.Fatalf("%q at %s: next %s, and its prev %s", text, now, next, s.Prev(next))
			}
		}
		if !prev.IsZero() {
			if prev.After(now) || (!next.IsZero() && s.Next(prev) != next) {
				t.Fatalf("%q at %s: prev %s, next of prev %s, next %s", text, now, prev, s.Next(prev), next)
			}
		}
	})
}

func TestSchedule_EventBridge(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"1m", "rate(1 minute)"}, {"15m", "rate(15 minutes)"}, {"90m", "rate(90 minutes)"},
		{"1h", "rate(1 hour)"}, {"6h", "rate(6 hours)"}, {"24h", "rate(1 day)"}, {"168h", "rate(7 days)"},
		{"rate(5 minutes)", "rate(5 minutes)"},
		{"*/15 * * * *", "cron(*/15 * * * ? *)"},
		{"30 2 * * MON-FRI", "cron(30 2 ? * 2,3,4,5,6 *)"},
		{"0 0 * * 0,7", "cron(0 0 ? * 1 *)"},
		{"0 6 1 JAN *", "cron(0 6 1 JAN ? *)"},
		{"cron(0 12 ? * MON *)", "cron(0 12 ? * MON *)"},
		{"0 12 1 * 1", ""},
	} {
		s, err := ParseSchedule(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		got, err := s.EventBridge()
		if (err != nil) != (c.want == "") || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
