package schema

import (
	"strings"
	"testing"
	"time"
)

func TestLakePaths(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 59, 59, 0, time.FixedZone("CET", 3600))
	if got := PartitionOf(at); got != "2026-03-01-09" {
		t.Errorf("PartitionOf = %q, want the UTC hour 2026-03-01-09", got)
	}
	if got := TablePrefix("cloudtrail_events"); got != "parquet/cloudtrail_events/" {
		t.Errorf("TablePrefix = %q", got)
	}
	if got := PartitionDir("t", "2026-03-01-09"); got != "parquet/t/dt=2026-03-01-09/" {
		t.Errorf("PartitionDir = %q", got)
	}
	key := LakeKey("t", "2026-03-01-09", "t-x")
	if key != "parquet/t/dt=2026-03-01-09/t-x.parquet" {
		t.Errorf("LakeKey = %q", key)
	}
	if f, err := ParseLakeKey(key); err != nil || f != (LakeFile{Table: "t", DT: "2026-03-01-09", Name: "t-x"}) {
		t.Errorf("ParseLakeKey(LakeKey(…)) = %+v, %v: not the parts it was made of", f, err)
	}
	globs := []struct{ lake, want string }{
		{"/var/lake", "/var/lake/parquet/t/dt=*/*.parquet"},
		{"/var/lake/", "/var/lake/parquet/t/dt=*/*.parquet"},
		{"/", "/parquet/t/dt=*/*.parquet"},
		{"", "parquet/t/dt=*/*.parquet"},
		{"data/lake", "data/lake/parquet/t/dt=*/*.parquet"},
	}
	for _, g := range globs {
		if got := TableGlob(g.lake, "t"); got != g.want {
			t.Errorf("TableGlob(%q) = %q, want %q", g.lake, got, g.want)
		}
	}
}

func TestParseLakeKey(t *testing.T) {
	cases := []struct {
		key     string
		want    LakeFile
		wantErr string // part of the error; "" means no error
	}{
		{key: "parquet/cloudtrail_events/dt=2026-01-01-00/cloudtrail_events-2026-01-01-00-00-00-ab.parquet",
			want: LakeFile{Table: "cloudtrail_events", DT: "2026-01-01-00", Name: "cloudtrail_events-2026-01-01-00-00-00-ab"}},
		{key: "parquet/t/dt=2026-12-31-23/x.parquet", want: LakeFile{Table: "t", DT: "2026-12-31-23", Name: "x"}},
		{key: "parquet/t/dt=2026-01-01-00/.x.parquet.1.tmp", wantErr: "not a published"},
		{key: "parquet/t/dt=2026-01-01-00/.x.parquet", wantErr: "not a published"},
		{key: "parquet/t/dt=2026-01-01-00/x.json", wantErr: "not a published"},
		{key: "parquet/t/dt=2026-01-01-00/.parquet", wantErr: "not a published"},
		{key: "parquet/t/dt=2026-01-01/x.parquet", wantErr: "not an hour"},
		{key: "parquet/t/dt=2026-01-01-24/x.parquet", wantErr: "not an hour"},
		{key: "parquet/t/dt=2026-1-01-00/x.parquet", wantErr: "not an hour"},
		{key: "parquet/t/hour=2026-01-01-00/x.parquet", wantErr: "not a dt= partition"},
		{key: "parquet//dt=2026-01-01-00/x.parquet", wantErr: "empty table"},
		{key: "other/t/dt=2026-01-01-00/x.parquet", wantErr: "want parquet/"},
		{key: "parquet/t/x.parquet", wantErr: "want parquet/"},
		{key: "parquet/t/dt=2026-01-01-00/d/x.parquet", wantErr: "want parquet/"},
		{key: "", wantErr: "want parquet/"},
	}
	for _, c := range cases {
		got, err := ParseLakeKey(c.key)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("ParseLakeKey(%q) = %v", c.key, err)
		case c.wantErr == "" && got != c.want:
			t.Errorf("ParseLakeKey(%q) = %+v, want %+v", c.key, got, c.want)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), c.key)):
			t.Errorf("ParseLakeKey(%q) error = %v, want one naming the key and %q", c.key, err, c.wantErr)
		}
	}
}

func FuzzParseLakeKey(f *testing.F) {
	f.Add("parquet/t/dt=2026-01-01-00/x.parquet")
	f.Add("parquet/t/dt=2026-01-01-00/.x.tmp")
	f.Fuzz(func(t *testing.T, key string) {
		lf, err := ParseLakeKey(key)
		if err != nil {
			return
		}
		if again := LakeKey(lf.Table, lf.DT, lf.Name); again != key {
			t.Fatalf("ParseLakeKey(%q) = %+v, which makes the key %q", key, lf, again)
		}
	})
}
