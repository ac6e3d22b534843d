package intel

import "testing"

func TestSampleFeed(t *testing.T) {
	s := SampleSet()
	want := map[Type]int{IP: 3, Domain: 1, URL: 1, Email: 1, MD5: 1, SHA1: 1, SHA256: 1}
	for typ, n := range want {
		if s.Len(typ) != n {
			t.Errorf("sample feed: %d %v IOCs, want %d", s.Len(typ), typ, n)
		}
	}
	if s.SkippedTotal() != 1 {
		t.Errorf("sample feed skipped %v, want the one compound pattern", s.Skipped)
	}
	h, ok := s.Lookup(IP, "203.0.113.66", t0)
	if !ok || h.Source != "StreamAlert sample intel" || h.Set != SampleSetName {
		t.Errorf("sample feed lookup: %+v %v", h, ok)
	}
}
