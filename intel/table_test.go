package intel

import (
	"testing"

	"github.com/streamalert/streamalert/schema"
)

// TestTables_RowsAlignWithColumns checks the column positions the row
// writers fill against the table definitions.
func TestTables_RowsAlignWithColumns(t *testing.T) {
	want := []string{"snapshot", "set", "type", "value", "key", "lo", "hi", "source", "expires", "excluded",
		schema.ColEventTime, schema.ColIngestTime, schema.ColRecordID, schema.ColSource, schema.ColExtras}
	cols := IOCTable.Columns()
	if len(cols) != len(want) {
		t.Fatalf("iocs has %d columns, want %d", len(cols), len(want))
	}
	for i, c := range cols {
		if c.Name != want[i] {
			t.Errorf("iocs column %d is %s, want %s", i, c.Name, want[i])
		}
	}
	lw := []string{"snapshot", "key", "key_lower", "value", schema.ColEventTime, schema.ColIngestTime, schema.ColRecordID, schema.ColSource, schema.ColExtras}
	for i, c := range LookupTable("vip").Columns() {
		if c.Name != lw[i] {
			t.Errorf("lookup column %d is %s, want %s", i, c.Name, lw[i])
		}
	}
	if got := LookupTable("vip-users").Table(); got != "lookup_vip_users" {
		t.Errorf("lookup table name %s", got)
	}

	st := NewStore()
	st.Replace(buildSet(t, [3]string{"ip", "10.0.0.0/8", "2030-01-01"}, [3]string{"domain", "Evil.Example", ""}))
	ex, _ := ExclusionSet([]string{"10.1.0.0/16"}, "intel.yaml")
	st.SetExclusions(ex)
	var rows [][]string
	err := st.WriteIOCRows(t0, func(row []schema.Value) error {
		var r []string
		for _, v := range row[:10] {
			r = append(r, v.Text())
		}
		rows = append(rows, r)
		return nil
	})
	if err != nil || len(rows) != 3 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	for i, w := range [][]string{
		{"test", "ip", "10.0.0.0/8", "", "4:0A000000", "4:0AFFFFFF", "src-10.0.0.0/8", "2030-01-01T00:00:00Z", "false"},
		{"test", "domain", "evil.example", "evil.example", "", "", "src-Evil.Example", "", "false"},
		{"excluded_iocs", "ip", "10.1.0.0/16", "", "4:0A010000", "4:0A01FFFF", "excluded_iocs", "", "true"},
	} {
		got := rows[i][1:]
		for j := range w {
			if got[j] != w[j] {
				t.Errorf("row %d column %s = %q, want %q", i, cols[j+1].Name, got[j], w[j])
			}
		}
		if rows[i][0] != "2026-06-01T00:00:00.000000000Z" {
			t.Errorf("snapshot %q", rows[i][0])
		}
	}
}
