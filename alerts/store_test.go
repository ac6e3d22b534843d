package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func storeAlert(id, rule string, st Status, created time.Time) *Alert {
	return &Alert{ID: id, Rule: rule, Status: st, Created: created, EventTime: created,
		Record: map[string]any{"n": json.Number("12345678901234567890"), "s": "x"}}
}

func ids(as []*Alert) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

// TestStores runs the same specification against every Store.
func TestStores(t *testing.T) {
	stores := map[string]func(t *testing.T) Store{
		"memory": func(*testing.T) Store { return NewMemoryStore() },
		"bolt":   func(t *testing.T) Store { return openTestBolt(t) },
		"dynamo": func(t *testing.T) Store { return openTestDynamo(t) },
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			as := []*Alert{
				storeAlert("a", "r1", StatusPending, t0),
				storeAlert("b", "r1", StatusStaged, t0.Add(time.Minute)),
				storeAlert("c", "r2", StatusPending, t0.Add(2*time.Minute)),
				storeAlert("d", "r2", StatusFailed, t0.Add(3*time.Minute)),
			}
			added, err := s.Insert(ctx, as)
			if err != nil || !slices.Equal(added, []bool{true, true, true, true}) {
				t.Fatalf("insert: %v %v", added, err)
			}
			changed := storeAlert("a", "r9", StatusDelivered, t0)
			added, err = s.Insert(ctx, []*Alert{changed, storeAlert("e", "r1", StatusPending, t0.Add(4*time.Minute)), storeAlert("e", "r1", StatusPending, t0)})
			if err != nil || !slices.Equal(added, []bool{false, true, false}) {
				t.Fatalf("second insert: %v %v", added, err)
			}
			if a, _ := s.Get(ctx, "a"); a.Rule != "r1" || a.Status != StatusPending {
				t.Errorf("insert overwrote an existing alert: %+v", a)
			}
			if has, _ := s.Has(ctx, []string{"a", "zz", "e"}); !slices.Equal(has, []bool{true, false, true}) {
				t.Errorf("has %v", has)
			}
			if _, err := s.Get(ctx, "zz"); !errors.Is(err, ErrNotFound) {
				t.Errorf("get missing: %v", err)
			}
			got, _ := s.Get(ctx, "a")
			if n, ok := got.Record["n"].(json.Number); !ok || n != "12345678901234567890" {
				t.Errorf("large number came back as %#v", got.Record["n"])
			}

			list := func(f Filter) []string {
				as, err := s.List(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				return ids(as)
			}
			for _, tc := range []struct {
				name string
				f    Filter
				want []string
			}{
				{"all, oldest first", Filter{}, []string{"a", "b", "c", "d", "e"}},
				{"by rule", Filter{Rule: "r1"}, []string{"a", "b", "e"}},
				{"by status", Filter{Status: []Status{StatusPending}}, []string{"a", "c", "e"}},
				{"by statuses", Filter{Status: []Status{StatusFailed, StatusStaged}}, []string{"b", "d"}},
				{"since", Filter{Since: t0.Add(2 * time.Minute)}, []string{"c", "d", "e"}},
				{"until", Filter{Until: t0.Add(2 * time.Minute)}, []string{"a", "b"}},
				{"rule and status and since", Filter{Rule: "r1", Status: []Status{StatusPending}, Since: t0.Add(time.Second)}, []string{"e"}},
				{"limit", Filter{Limit: 2}, []string{"a", "b"}},
				{"limit with statuses", Filter{Status: []Status{StatusFailed, StatusPending}, Limit: 3}, []string{"a", "c", "d"}},
			} {
				if got := list(tc.f); !slices.Equal(got, tc.want) {
					t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
				}
			}

			err = s.Modify(ctx, []string{"a", "c"}, func(a *Alert) error {
				if a.ID == "c" {
					return ErrSkip
				}
				a.Status = StatusDelivered
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := list(Filter{Status: []Status{StatusPending}}); !slices.Equal(got, []string{"c", "e"}) {
				t.Errorf("pending after modify: %v", got)
			}
			if got := list(Filter{Status: []Status{StatusDelivered}}); !slices.Equal(got, []string{"a"}) {
				t.Errorf("delivered after modify: %v", got)
			}
			boom := errors.New("boom")
			if err := s.Modify(ctx, []string{"c", "e"}, func(a *Alert) error {
				a.Status = StatusFailed
				if a.ID == "e" {
					return boom
				}
				return nil
			}); !errors.Is(err, boom) {
				t.Errorf("modify error: %v", err)
			}
			if a, _ := s.Get(ctx, "c"); a.Status != StatusPending {
				t.Errorf("a failed modify changed alert c to %s", a.Status)
			}
			if err := s.Modify(ctx, []string{"zz"}, func(*Alert) error { return nil }); !errors.Is(err, ErrNotFound) {
				t.Errorf("modify missing: %v", err)
			}
			if err := s.Modify(ctx, []string{"c"}, func(a *Alert) error { a.ID = "x"; return nil }); err == nil {
				t.Error("modify changed an id")
			}

			// Pending alerts are found by when they are due.
			err = s.Modify(ctx, []string{"c"}, func(a *Alert) error {
				a.Outputs = []string{"o:1", "o:2"}
				a.Delivery = map[string]*Delivery{"o:1": {Sent: t0}, "o:2": {Attempts: 1, NextAttempt: t0.Add(time.Hour)}}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := list(Filter{Status: []Status{StatusPending}, DueBy: t0.Add(30 * time.Minute)}); !slices.Equal(got, []string{"e"}) {
				t.Errorf("due in 30 minutes: %v", got)
			}
			if got := list(Filter{Status: []Status{StatusPending}, DueBy: t0.Add(time.Hour)}); !slices.Equal(got, []string{"c", "e"}) {
				t.Errorf("due in an hour: %v", got)
			}
			if got := list(Filter{Status: []Status{StatusPending}, Since: t0.Add(3 * time.Minute)}); !slices.Equal(got, []string{"e"}) {
				t.Errorf("pending since: %v", got)
			}
			if _, err := s.Mark(ctx, []StatusChange{{ID: "c", From: StatusPending, To: StatusMerged}}); err == nil {
				t.Error("Mark moved a pending alert")
			}
			if n, err := s.Mark(ctx, []StatusChange{{ID: "b", From: StatusStaged, To: StatusMerged, MergedInto: "m"}, {ID: "d", From: StatusStaged, To: StatusMerged}}); err != nil || n != 1 {
				t.Errorf("mark: %d %v", n, err)
			}
			if got := list(Filter{Status: []Status{StatusMerged}}); !slices.Equal(got, []string{"b"}) {
				t.Errorf("merged after mark: %v", got)
			}
			if got := list(Filter{Status: []Status{StatusStaged}}); len(got) != 0 {
				t.Errorf("staged after mark: %v", got)
			}

			if err := s.PutRule(ctx, RuleState{Rule: "r1", Staged: true, StagedSince: t0}); err != nil {
				t.Fatal(err)
			}
			if err := s.PutRule(ctx, RuleState{}); err == nil {
				t.Error("empty rule name accepted")
			}
			rs, _ := s.Rules(ctx)
			if len(rs) != 1 || !rs[0].Staged || !rs[0].StagedSince.Equal(t0) {
				t.Errorf("rules %+v", rs)
			}
		})
	}
}

func TestBoltStore_DurableAndLocked(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "alerts.db")
	s, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert(ctx, []*Alert{storeAlert("a", "r", StatusPending, t0)}); err != nil {
		t.Fatal(err)
	}
	// A second opener is told who holds the file instead of hanging.
	if _, err := OpenBolt(path); err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("second open: %v", err)
	}
	s.Close()
	s2, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if as, _ := s2.List(ctx, Filter{Status: []Status{StatusPending}}); len(as) != 1 || as[0].ID != "a" {
		t.Errorf("after reopen: %v", ids(as))
	}
}

func TestPatchStatus_InPlaceMatchesDecoding(t *testing.T) {
	tests := []struct {
		name    string
		alert   *Alert
		inPlace bool
	}{
		{"plain", &Alert{ID: "a1", Rule: "r", Status: StatusMerging, Created: t0, MergeGroup: "g1",
			Record: map[string]any{"status": "merging", "x": map[string]any{"status": "merging"}}}, true},
		{"no group", &Alert{ID: "a2", Rule: "r", Status: StatusMerging, Created: t0.Add(123456789)}, true},
		{"odd rule name falls back", &Alert{ID: "a3", Rule: `r{"status":"x"}`, Status: StatusMerging, Created: t0, MergeGroup: "g"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := encodeAlert(tt.alert)
			if err != nil {
				t.Fatal(err)
			}
			_, _, _, done := patchInPlace(b, StatusMerging, StatusMerged, "m1")
			if done != tt.inPlace {
				t.Errorf("patched in place: %v, want %v", done, tt.inPlace)
			}
			out, created, ok, err := patchStatus(b, StatusMerging, StatusMerged, "m1")
			if err != nil || !ok || !created.Equal(tt.alert.Created) {
				t.Fatalf("patch: ok=%v created=%s err=%v", ok, created, err)
			}
			got, err := decodeAlert(out)
			if err != nil {
				t.Fatalf("patched bytes do not decode: %v\n%s", err, out)
			}
			want := *tt.alert
			want.Status, want.MergedInto, want.MergeGroup = StatusMerged, "m1", ""
			wb, _ := json.Marshal(&want)
			gb, _ := json.Marshal(got)
			if string(wb) != string(gb) {
				t.Errorf("patched\n%s\nwant\n%s", gb, wb)
			}
			if _, _, ok, _ := patchStatus(b, StatusPending, StatusMerged, ""); ok {
				t.Error("patched an alert whose status is not from")
			}
		})
	}
}
