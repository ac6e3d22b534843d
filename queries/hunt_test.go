package queries

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

const goodHunt = `name: failed_logins
description: many failures
schedule: 1h
params:
  min: 5
  host: "web'01"
  ratio: 0.5
  strict: true
sql: |
  SELECT src_ip FROM linux_auth
  WHERE dt >= {{dt_start}} AND dt <= {{dt_end}}
    AND sa_event_time >= {{start}} AND sa_event_time < {{ end }}
    AND hostname = {{host}} AND {{strict}} AND 1.0 > {{ratio}}
  GROUP BY src_ip HAVING count(*) >= {{min}}
`

func TestParseHunts_Good(t *testing.T) {
	hs, errs := ParseHunts("hunts/a.yaml", []byte(goodHunt+"---\n"+strings.ReplaceAll(goodHunt, "failed_logins", "other")))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(hs) != 2 || hs[0].Name != "failed_logins" || hs[1].Name != "other" || hs[1].Line != strings.Count(goodHunt, "\n")+2 {
		t.Fatalf("got %d hunts: %+v", len(hs), hs)
	}
	h := hs[0]
	if h.Schedule.Every() != time.Hour || h.Description != "many failures" {
		t.Errorf("schedule %s, description %q", h.Schedule, h.Description)
	}
	want := map[string]any{"min": int64(5), "host": "web'01", "ratio": 0.5, "strict": true}
	for k, v := range want {
		if h.Params[k] != v {
			t.Errorf("param %s = %#v, want %#v", k, h.Params[k], v)
		}
	}
}

func TestParseHunts_Problems(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"no name", "schedule: 1h\nsql: SELECT 1\n", "a.yaml:1: hunt has no name"},
		{"bad name", "name: Bad-Name\nschedule: 1h\nsql: SELECT 1\n", "a.yaml:1: hunt name \"Bad-Name\""},
		{"no sql", "name: x\nschedule: 1h\n", "hunt x has no sql"},
		{"no schedule", "name: x\nsql: SELECT 1\n", "hunt x has no schedule"},
		{"bad schedule", "name: x\nschedule: often\nsql: SELECT 1\n", "a.yaml:2: schedule \"often\""},
		{"built-in dt param", "name: x\nschedule: 1h\nparams:\n  dt_end: 1\nsql: SELECT {{dt_end}}\n", "a.yaml:4: param dt_end is built in"},
		{"zero schedule", "name: x\nschedule: 0s\nsql: SELECT 1\n", "a.yaml:2: schedule \"0s\": want a duration of whole minutes"},
		{"negative schedule", "name: x\nschedule: -1h\nsql: SELECT 1\n", "cannot be negative"},
		{"unknown key", "name: x\nschedule: 1h\nsql: SELECT 1\nowner: me\n", "a.yaml:4: unknown key \"owner\""},
		{"unknown placeholder", "name: x\nschedule: 1h\nsql: SELECT {{nope}}\n", "a.yaml:3: sql uses {{nope}}"},
		{"broken placeholder", "name: x\nschedule: 1h\nsql: SELECT {{ 1 }}\n", "a.yaml:3: sql has a {{ … }}"},
		{"unused param", "name: x\nschedule: 1h\nparams:\n  n: 1\nsql: SELECT 1\n", "a.yaml:3: param n is not used"},
		{"built-in param", "name: x\nschedule: 1h\nparams:\n  start: 1\nsql: SELECT {{start}}\n", "a.yaml:4: param start is built in"},
		{"list param", "name: x\nschedule: 1h\nparams:\n  n: [1]\nsql: SELECT {{n}}\n", "a.yaml:4: param n: default must be"},
		{"empty param", "name: x\nschedule: 1h\nparams:\n  n:\nsql: SELECT {{n}}\n", "param n: default must not be empty"},
		{"not a map", "- name: x\n", "a.yaml:1: a hunt must be a map"},
		{"no dt bound", "name: x\nschedule: 1h\nsql: SELECT 1 FROM t WHERE sa_event_time >= {{start}}\n", "a.yaml:3: sql does not bound the dt partitions"},
		{"no dt end", "name: x\nschedule: 1h\nsql: SELECT 1 FROM t WHERE dt >= {{dt_start}}\n", "does not bound the dt partitions"},
		{"one dialect bounded", "name: x\nschedule: 1h\nsql:\n  athena: SELECT 1 FROM t WHERE dt >= {{dt_start}} AND dt <= {{dt_end}}\n  duckdb: SELECT 1 FROM t\n", "duckdb sql does not bound"},
		{"one dialect missing", "name: x\nschedule: 1h\nsql:\n  athena: SELECT 1 FROM t WHERE dt >= {{dt_start}} AND dt <= {{dt_end}}\n", "a.yaml:4: sql has no duckdb text"},
		{"unknown dialect", "name: x\nschedule: 1h\nsql:\n  postgres: SELECT 1\n", "a.yaml:4: sql dialect \"postgres\""},
		{"history without lookback", "name: x\nschedule: 1h\nsql: SELECT 1 FROM t WHERE dt >= {{history_dt_start}} AND dt <= {{dt_end}}\n", "uses {{history_dt_start}} but the hunt has no lookback"},
		{"lookback unused", "name: x\nschedule: 1h\nlookback: 7d\nsql: SELECT 1 FROM t WHERE dt >= {{dt_start}} AND dt <= {{dt_end}}\n", "a.yaml:3: lookback is set but"},
		{"bad lookback", "name: x\nschedule: 1h\nlookback: forever\nsql: SELECT 1\n", "a.yaml:3: lookback \"forever\""},
		{"bad output", "name: x\nschedule: 1h\noutput: email\nsql: SELECT 1\n", "a.yaml:3: output \"email\": want alerts or feed"},
		{"bad severity", "name: x\nschedule: 1h\nseverity: urgent\nsql: SELECT 1\n", "a.yaml:3: severity \"urgent\""},
		{"bad key", "name: x\nschedule: 1h\nkey: src_ip\nsql: SELECT 1\n", "a.yaml:3: key must be a list"},
		{"cron schedule", "name: x\nschedule: 61 * * * *\nsql: SELECT 1\n", "a.yaml:2: schedule \"61 * * * *\": minute \"61\""},
		{"yaml syntax", "name: [x\n", "a.yaml:1: bad YAML:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs, errs := ParseHunts("a.yaml", []byte(tc.yaml))
			if len(hs) != 0 {
				t.Errorf("got hunts %+v despite problems", hs)
			}
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Error())
			}
			if !strings.Contains(strings.Join(msgs, "\n"), tc.want) {
				t.Errorf("problems %q, want one containing %q", msgs, tc.want)
			}
		})
	}
}

func TestLoadHunts_DuplicatesAndMissingDir(t *testing.T) {
	one := "name: x\nschedule: 1h\nsql: SELECT 1 WHERE {{dt_start}} < {{dt_end}}\n"
	fsys := fstest.MapFS{"hunts/a.yaml": {Data: []byte(one)}, "hunts/b.yml": {Data: []byte(one)}, "hunts/README.md": {Data: []byte("#")}}
	hs, errs := LoadHunts(fsys, "hunts")
	if len(hs) != 1 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "hunts/b.yml:1: hunt x is already defined at hunts/a.yaml:1") {
		t.Errorf("hunts %d, problems %v", len(hs), errs)
	}
	hs, errs = LoadHunts(fstest.MapFS{}, "hunts")
	if len(hs) != 0 || len(errs) != 0 {
		t.Errorf("missing dir: hunts %d, problems %v", len(hs), errs)
	}
}

func TestHuntRender(t *testing.T) {
	hs, errs := ParseHunts("a.yaml", []byte(goodHunt))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	h := hs[0]
	from := time.Date(2024, 3, 3, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		d         Dialect
		overrides map[string]string
		want      []string
		wantErr   string
	}{
		{name: "duckdb defaults", d: DuckDB, want: []string{
			"sa_event_time >= TIMESTAMPTZ '2024-03-03 00:00:00.000000+00' AND sa_event_time < TIMESTAMPTZ '2024-03-04 00:00:00.000000+00'",
			"hostname = 'web''01' AND TRUE AND 1.0 > 0.5", "count(*) >= 5",
			"dt >= '2024-03-02-23' AND dt <= '2024-03-04-01'"}},
		{name: "athena", d: Athena, want: []string{"sa_event_time >= TIMESTAMP '2024-03-03 00:00:00.000000'"}},
		{name: "overrides", d: DuckDB, overrides: map[string]string{"min": "12", "host": "x' OR 1=1 --", "strict": "false", "ratio": "1e-3"},
			want: []string{"count(*) >= 12", "hostname = 'x'' OR 1=1 --' AND FALSE AND 1.0 > 0.001"}},
		{name: "not an integer", d: DuckDB, overrides: map[string]string{"min": "5; DROP TABLE x"}, wantErr: `param min: "5; DROP TABLE x" is not an integer`},
		{name: "not a bool", d: DuckDB, overrides: map[string]string{"strict": "yes please"}, wantErr: "is not true or false"},
		{name: "unknown param", d: DuckDB, overrides: map[string]string{"mni": "1"}, wantErr: `no param "mni" (params: host, min, ratio, strict)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := h.Render(tc.d, from, from.Add(24*time.Hour), tc.overrides)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(got, "{{") {
				t.Errorf("placeholder left in %s", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("rendered SQL lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// TestExampleHunts: the hunts the example config ships load and render.

func FuzzParseHunts(f *testing.F) {
	f.Add([]byte(goodHunt))
	f.Add([]byte("name: x\nschedule: 1h\nsql: SELECT {{a}} WHERE dt >= {{dt_start}} AND dt <= {{dt_end}}\nparams: {a: 'q'}\n"))
	f.Add([]byte("name: x\nschedule: 0 * * * *\nlookback: 7d\nsql:\n  athena: SELECT {{history_start}} WHERE dt >= {{history_dt_start}} AND dt <= {{dt_end}}\n  duckdb: SELECT {{history_dt_start}}, {{dt_end}}\n"))
	f.Add([]byte("---\n---\nname: y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		hs, _ := ParseHunts("f.yaml", data)
		for _, h := range hs {
			sql, err := h.Render(DuckDB, time.Unix(0, 0), time.Unix(3600, 0), nil)
			if err != nil {
				t.Fatalf("hunt %s loaded but does not render: %v", h.Name, err)
			}
			// Only placeholders change: the text around them stays, in order.
			at := 0
			for _, seg := range placeholder.Split(h.SQL[DuckDB], -1) {
				i := strings.Index(sql[at:], seg)
				if i < 0 {
					t.Fatalf("rendering lost %q of %q: %s", seg, h.SQL[DuckDB], sql)
				}
				at += i + len(seg)
			}
		}
	})
}
