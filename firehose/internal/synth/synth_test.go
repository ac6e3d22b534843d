package synth

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestRecords_Deterministic(t *testing.T) {
	a, b := Records(200, 7), Records(200, 7)
	for i := range a {
		if a[i].ID != b[i].ID || string(a[i].Raw) != string(b[i].Raw) || !reflect.DeepEqual(a[i].Values, b[i].Values) {
			t.Fatalf("record %d differs between two runs with the same seed", i)
		}
	}
	if c := Records(1, 8); c[0].ID == a[0].ID {
		t.Error("another seed gave the same first record")
	}
}

func TestRecords_MatchTheLogType(t *testing.T) {
	lt := CloudTrail()
	for i, r := range Records(500, 1) {
		if len(r.Values) != len(lt.Fields) {
			t.Fatalf("record %d has %d values for %d fields", i, len(r.Values), len(lt.Fields))
		}
		var raw map[string]any
		if err := json.Unmarshal(r.Raw, &raw); err != nil {
			t.Fatalf("record %d raw is not JSON: %v", i, err)
		}
		if got := r.Get("eventName").S; got != raw["eventName"] {
			t.Errorf("record %d eventName %q, raw %q", i, got, raw["eventName"])
		}
		if got := r.Get("eventTime"); !got.Time().Equal(r.EventTime) {
			t.Errorf("record %d eventTime value %v, EventTime %v", i, got.Time(), r.EventTime)
		}
		if len(r.Normalized["aws_account_id"]) == 0 {
			t.Errorf("record %d has no normalized account id", i)
		}
	}
}

func TestCloudTrailEvents_ClassifyAsBuiltinType(t *testing.T) {
	recs, err := CloudTrailEvents(300, 2)
	if err != nil {
		t.Fatal(err)
	}
	events := Events(300, 2)
	for i, r := range recs {
		if r.LogType.Name != "cloudtrail:events" {
			t.Fatalf("record %d is %s", i, r.LogType.Name)
		}
		if got := r.Get("eventID").S; got != events[i].EventID {
			t.Errorf("record %d eventID %q, want %q", i, got, events[i].EventID)
		}
	}
}
