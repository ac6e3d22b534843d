package realtime

import (
	"encoding/json"
	"time"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/schema"
)

// AlertRow renders an alert as a row of the lake's alerts table, aligned
// with firehose.Alerts.Columns().
func AlertRow(al *alerts.Alert) []schema.Value {
	cols := firehose.Alerts.Columns()
	row := make([]schema.Value, len(cols))
	jsonText := func(v any) schema.Value {
		if v == nil {
			return schema.Value{}
		}
		b, err := json.Marshal(v)
		if err != nil {
			return schema.Value{}
		}
		return schema.JSONText(string(b))
	}
	ts := func(t time.Time) schema.Value {
		if t.IsZero() {
			return schema.Value{}
		}
		return schema.Time(t)
	}
	str := func(s string) schema.Value {
		if s == "" {
			return schema.Value{}
		}
		return schema.Str(s)
	}
	count, first, last := int64(1), al.EventTime, al.EventTime
	if al.Merge != nil {
		count, first, last = int64(al.Merge.Count), al.Merge.First, al.Merge.Last
	}
	for i, c := range cols {
		var v schema.Value
		switch c.Name {
		case "alert_id":
			v = str(al.ID)
		case "rule_name":
			v = str(al.Rule)
		case "status":
			v = str(string(al.Status))
		case "severity":
			v = str(al.Severity)
		case "log_type":
			v = str(al.LogType)
		case "created":
			v = ts(al.Created)
		case "record":
			v = jsonText(al.Record)
		case "context":
			if len(al.Context) > 0 {
				v = jsonText(al.Context)
			}
		case "outputs":
			els := make([]schema.Value, len(al.Outputs))
			for j, o := range al.Outputs {
				els[j] = schema.Str(o)
			}
			v = schema.Array(els...)
		case "staged":
			v = schema.BoolValue(al.Staged)
		case "count":
			v = schema.Int(count)
		case "first_time":
			v = ts(first)
		case "last_time":
			v = ts(last)
		case schema.ColEventTime:
			v = ts(al.EventTime)
		case schema.ColIngestTime:
			v = ts(al.Created)
		case schema.ColRecordID:
			v = str(al.RecordID)
		case schema.ColSource:
			v = str(al.Source)
		}
		row[i] = v
	}
	return row
}
