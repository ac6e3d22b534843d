package duckdbtest

import (
	"testing"
	"time"
)

func TestOpen_SettingsApplied(t *testing.T) {
	db := Open(t)
	rows := Query(t, db, "SELECT current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions'), current_setting('TimeZone')")
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(rows))
	}
	if rows[0][0] != false || rows[0][1] != false || rows[0][2] != "UTC" {
		t.Errorf("settings = %v, want [false false UTC]", rows[0])
	}
}

func TestQuery_Types(t *testing.T) {
	db := Open(t)
	rows := Query(t, db, "SELECT 1::INTEGER, 2::BIGINT, 'x', [1, 2], {'a': 'b'}, TIMESTAMPTZ '2024-01-02 03:04:05.000006+00', NULL")
	r := rows[0]
	if r[0] != int32(1) || r[1] != int64(2) || r[2] != "x" {
		t.Errorf("scalars = %#v", r[:3])
	}
	if l, ok := r[3].([]any); !ok || len(l) != 2 {
		t.Errorf("list = %#v", r[3])
	}
	if m, ok := r[4].(map[string]any); !ok || m["a"] != "b" {
		t.Errorf("struct = %#v", r[4])
	}
	want := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)
	if ts, ok := r[5].(time.Time); !ok || !ts.Equal(want) {
		t.Errorf("timestamptz = %#v, want %v", r[5], want)
	}
	if r[6] != nil {
		t.Errorf("null = %#v", r[6])
	}
}

func TestQuote(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a", "'a'"},
		{"it's", "'it''s'"},
		{"", "''"},
	} {
		if got := Quote(c.in); got != c.want {
			t.Errorf("Quote(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
