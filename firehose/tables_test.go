package firehose

import (
	"context"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/duckdbtest"
	"github.com/streamalert/streamalert/schema"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestBuiltinTables_Columns(t *testing.T) {
	for _, c := range []struct {
		lt   *schema.LogType
		want string
	}{
		{Unclassified, "reason raw sa_event_time sa_ingest_time sa_record_id sa_source sa_extras"},
		{Alerts, "alert_id rule_name status severity log_type created record context outputs staged count first_time last_time sa_event_time sa_ingest_time sa_record_id sa_source sa_extras"},
	} {
		var names []string
		for _, col := range c.lt.Columns() {
			names = append(names, col.Name)
		}
		if got := strings.Join(names, " "); got != c.want {
			t.Errorf("%s columns = %s, want %s", c.lt.Table(), got, c.want)
		}
	}
	if Unclassified.Table() != UnclassifiedTableName || Alerts.Table() != AlertsTableName {
		t.Errorf("tables = %s, %s", Unclassified.Table(), Alerts.Table())
	}
}

// TestBuiltinTables_DDL pins the Athena table and DuckDB view of the tables
// that are not log types (go test -update rewrites the golden file).
func TestBuiltinTables_DDL(t *testing.T) {
	var b strings.Builder
	for _, lt := range []*schema.LogType{Unclassified, Alerts} {
		b.WriteString(lt.AthenaDDL("streamalert", "s3://lake-bucket/parquet/"+lt.Table()+"/"))
		b.WriteString(lt.DuckDBView("/var/lib/streamalert/lake") + "\n")
		b.WriteString("\n")
	}
	const golden = "testdata/tables.ddl.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("DDL differs from %s (go test -update to accept):\n%s", golden, b.String())
	}
}

func TestLake_AlertRowsReadBack(t *testing.T) {
	lake := t.TempDir()
	now := time.Date(2024, 4, 5, 6, 7, 8, 9000, time.UTC)
	w, err := NewLake(NewDir(lake), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	first := now.Add(-time.Hour)
	row := []schema.Value{
		schema.Str("alert-1"), schema.Str("aws_root_login"), schema.Str("pending"), schema.Str("high"), schema.Str("cloudtrail:events"),
		schema.Time(now), schema.JSONText(`{"eventName":"ConsoleLogin"}`), schema.JSONText(`{"ioc":false}`),
		schema.Array(schema.Str("slack:security"), schema.Str("pagerduty:oncall")), schema.BoolValue(true),
		schema.Int(3), schema.Time(first), schema.Time(now),
		schema.Time(first), schema.Time(now), schema.Str("rec-1"), schema.Str("kinesis:prod"), {},
	}
	short := []schema.Value{schema.Str("alert-2")}
	if err := w.WriteRows(Alerts, row, short); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	db := duckdbtest.Open(t)
	duckdbtest.Exec(t, db, Alerts.DuckDBView(lake))
	got := duckdbtest.Query(t, db, `SELECT * EXCLUDE (dt), dt FROM alerts ORDER BY alert_id`)
	if len(got) != 2 {
		t.Fatalf("read %d alert rows, want 2", len(got))
	}
	want := append(expectedRow(Alerts.Columns(), row), "2024-04-05-06")
	if !equalRows(got[0], want) {
		t.Errorf("alert row:\n got %#v\nwant %#v", got[0], want)
	}
	wantShort := append(expectedRow(Alerts.Columns(), short), "2024-04-05-06")
	if !equalRows(got[1], wantShort) {
		t.Errorf("short alert row:\n got %#v\nwant %#v", got[1], wantShort)
	}
}

func equalRows(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !reflect.DeepEqual(normalizeTimes(a[i]), b[i]) {
			return false
		}
	}
	return true
}
