package alerts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSummarize_StaysWithinBudget(t *testing.T) {
	rec := entries(10000)
	rec["nested"] = map[string]any{"list": []any{strings.Repeat("x", 5000), 1, true}, "deep": map[string]any{"s": strings.Repeat("y", 9000)}}
	for _, budget := range []int{64 << 10, 4 << 10, 1 << 10, 200} {
		v, cut := summarize(rec, budget)
		size := jsonSize(v)
		if !cut || size > budget+256 {
			t.Errorf("budget %d: %d bytes (cut %v)", budget, size, cut)
		}
		m := v.(map[string]any)
		if note, _ := m["…"].(string); !strings.Contains(note, "fields left out") {
			t.Errorf("budget %d: no note of the fields left out: %v", budget, m["…"])
		}
	}
	small := map[string]any{"a": 1}
	if v, cut := summarize(small, 100); cut || jsonSize(v) != jsonSize(small) {
		t.Errorf("a value within budget was changed: %v", v)
	}
}

func TestFitPayload_KeepsKeysAndPointsToTheRecord(t *testing.T) {
	a := hostileBase("fit")
	a.Record = entries(5000)
	p := Payload(a)
	var tried int
	got := fitPayload(a, p, func(q map[string]any) bool {
		tried++
		return jsonSize(q) <= 20000
	})
	if got == nil || jsonSize(got) > 20000 || tried < 2 {
		t.Fatalf("fitted to %d bytes after %d tries", jsonSize(got), tried)
	}
	for _, k := range []string{"id", "rule", "title", "severity", "key_values"} {
		if _, ok := got[k]; !ok {
			t.Errorf("fitted payload lost %s", k)
		}
	}
	if got["full_record"] != RecordPointer(a) || got["truncated"] != true {
		t.Errorf("full_record %v, truncated %v", got["full_record"], got["truncated"])
	}
	// Too small for anything but the minimal payload, then for nothing.
	if got := fitPayload(a, p, func(q map[string]any) bool { return q["minimal"] == true }); got["minimal"] != true {
		t.Errorf("want the minimal payload, got %v", got)
	}
	if got := fitPayload(a, p, func(map[string]any) bool { return false }); got != nil {
		t.Errorf("want nil, got %v", got)
	}
}

// refusing is an output whose service refuses the full payload; the
// minimal one is refused too when minimalErr is set.
type refusing struct {
	name       string
	minimalErr error
	minimal    int
}

func (r *refusing) Name() string { return r.name }
func (r *refusing) Send(context.Context, *Alert) error {
	return &DeliveryError{Output: r.name, StatusCode: 413, Permanent: true, Rejected: true, Msg: "HTTP 413: payload too large"}
}
func (r *refusing) SendMinimal(context.Context, *Alert) error { r.minimal++; return r.minimalErr }

func TestDispatch_RefusedPayload(t *testing.T) {
	tests := []struct {
		name       string
		minimalErr error
		status     Status
		failed     bool
		wantError  string
	}{
		{"minimal payload delivered", nil, StatusDelivered, false, ""},
		{"minimal payload refused too", &DeliveryError{Output: "o:x", StatusCode: 400, Permanent: true, Msg: "HTTP 400: invalid"}, StatusFailed, true, "HTTP 413: payload too large; minimal payload: send to o:x: HTTP 400: invalid"},
		{"minimal payload meets an outage", &DeliveryError{Output: "o:x", StatusCode: 503, Msg: "HTTP 503"}, StatusPending, false, "minimal payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := openTestBolt(t)
			out := &refusing{name: "o:x", minimalErr: tt.minimalErr}
			a := sampleAlert()
			a.Outputs = []string{"o:x"}
			a.initDelivery()
			if _, err := store.Insert(context.Background(), []*Alert{a}); err != nil {
				t.Fatal(err)
			}
			var fallbacks int
			d, err := NewDispatcher(DispatcherConfig{Store: store, Clock: newFakeClock(t0.Add(time.Hour)), Outputs: map[string]Output{"o:x": out}, OnFallback: func(string) { fallbacks++ }})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.DispatchDue(context.Background()); err != nil {
				t.Fatal(err)
			}
			got, _ := store.Get(context.Background(), a.ID)
			del := got.Delivery["o:x"]
			if got.Status != tt.status || del.Failed != tt.failed || out.minimal != 1 || fallbacks != 1 {
				t.Errorf("status %s, delivery %+v, minimal sends %d, fallbacks %d", got.Status, del, out.minimal, fallbacks)
			}
			if !strings.Contains(del.Fallback, "HTTP 413: payload too large") {
				t.Errorf("the refusal is not recorded: %q", del.Fallback)
			}
			if !strings.Contains(del.LastError, tt.wantError) {
				t.Errorf("last error %q, want %q", del.LastError, tt.wantError)
			}
		})
	}
	// An output without a minimal payload gives up as before.
	d, _ := NewDispatcher(DispatcherConfig{Store: openTestBolt(t), Outputs: map[string]Output{"r:x": refusingOnly{}}})
	var de *DeliveryError
	if err := d.SendNow(context.Background(), "r:x", sampleAlert(), 3); !errors.As(err, &de) || !de.Rejected {
		t.Errorf("SendNow: %v", err)
	}
}

type refusingOnly struct{}

func (refusingOnly) Name() string { return "r:x" }
func (refusingOnly) Send(context.Context, *Alert) error {
	return &DeliveryError{Output: "r:x", StatusCode: 400, Permanent: true, Rejected: true, Msg: "HTTP 400"}
}

// TestJSONSize_MatchesEncoding: the size estimate summarize works with is
// the encoded length for every hostile payload (escapes, non-characters,
// invalid UTF-8, numbers from the store).
func TestJSONSize_MatchesEncoding(t *testing.T) {
	values := []any{map[string]any{"bad": "a\xffb\u2028c\"\\\n\x01", "n": 1.5e300, "i": 42, "nil": nil, "t": true, "list": []any{}}}
	for _, hc := range hostileCases(t) {
		values = append(values, Payload(hc.alert))
	}
	for i, v := range values {
		b, err := compactJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonSize(v); got != len(b) {
			t.Errorf("value %d: jsonSize %d, encoded %d", i, got, len(b))
		}
	}
}
