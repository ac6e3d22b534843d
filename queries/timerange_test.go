package queries

import (
	"testing"
	"time"
)

func TestTimeRange_Partitions(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, c := range []struct {
		name     string
		rng      TimeRange
		from, to string
	}{
		{"open", TimeRange{}, "", ""},
		{"default lateness", TimeRange{From: at("2024-05-01T00:30:00Z"), To: at("2024-05-02T00:00:00Z")}, "2024-04-30-23", "2024-05-03-00"},
		{"one hour late", TimeRange{From: at("2024-05-01T10:00:00Z"), To: at("2024-05-01T12:00:00Z"), Late: time.Hour}, "2024-05-01-09", "2024-05-01-13"},
		{"not late", TimeRange{To: at("2024-05-01T12:00:00Z"), Late: -1}, "", "2024-05-01-12"},
		{"any lateness", TimeRange{From: at("2024-05-01T10:00:00Z"), To: at("2024-05-01T12:00:00Z"), Late: AnyLate}, "2024-05-01-09", ""},
		{"other zone", TimeRange{From: at("2024-05-01T10:00:00+02:00")}, "2024-05-01-07", ""},
	} {
		from, to := c.rng.Partitions()
		if from != c.from || to != c.to {
			t.Errorf("%s: partitions %q..%q, want %q..%q", c.name, from, to, c.from, c.to)
		}
	}
	r := TimeRange{From: at("2024-05-01T10:00:00Z"), To: at("2024-05-01T12:00:00Z"), Late: time.Hour}
	for dt, want := range map[string]bool{"2024-05-01-08": false, "2024-05-01-09": true, "2024-05-01-13": true, "2024-05-01-14": false} {
		if got := r.Covers(dt); got != want {
			t.Errorf("Covers(%s) = %v", dt, got)
		}
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, in := range []string{"2024-05-01T10:00:00Z", "2024-05-01T12:00:00+02:00", "2024-05-01 10:00:00", "2024-05-01T10:00"} {
		if got, err := ParseTime(in); err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v", in, got, err)
		}
	}
	if got, err := ParseTime("2024-05-01"); err != nil || !got.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseTime(date) = %v, %v", got, err)
	}
	if _, err := ParseTime("yesterday"); err == nil {
		t.Error("ParseTime(yesterday) accepted")
	}
}

func TestSince(t *testing.T) {
	now := time.Date(2024, 5, 8, 0, 0, 0, 0, time.UTC)
	r := Since(7*24*time.Hour, now)
	if !r.From.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)) || !r.To.Equal(now) {
		t.Errorf("Since = %v", r)
	}
}

func TestParseDialect(t *testing.T) {
	for in, want := range map[string]Dialect{"athena": Athena, "Trino": Athena, " duckdb ": DuckDB} {
		if got, err := ParseDialect(in); err != nil || got != want {
			t.Errorf("ParseDialect(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseDialect("mysql"); err == nil {
		t.Error("mysql accepted")
	}
}
