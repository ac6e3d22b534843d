package realtime

import (
	"bytes"
	"testing"
)

func TestDeaggregate(t *testing.T) {
	recs := [][]byte{[]byte(`{"a":1}`), []byte("line two"), {}}
	agg := Aggregate("pk", recs)
	got, err := Deaggregate(agg)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(recs) {
		t.Fatalf("got %d records, want %d", len(got), len(recs))
	}
	for i := range recs {
		if !bytes.Equal(got[i], recs[i]) {
			t.Errorf("record %d = %q, want %q", i, got[i], recs[i])
		}
	}
	plain := []byte(`{"not":"aggregated"}`)
	if got, _ := Deaggregate(plain); len(got) != 1 || !bytes.Equal(got[0], plain) {
		t.Errorf("plain record changed: %q", got)
	}
	bad := append([]byte{}, agg...)
	bad[len(bad)-1] ^= 1 // checksum mismatch: treated as a plain record, per the KPL format
	if got, _ := Deaggregate(bad); len(got) != 1 || !bytes.Equal(got[0], bad) {
		t.Errorf("bad checksum not passed through as plain")
	}
}

func FuzzDeaggregate(f *testing.F) {
	f.Add(Aggregate("k", [][]byte{[]byte("x"), []byte("y")}))
	f.Add([]byte{0xf3, 0x89, 0x9a, 0xc2, 1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := Deaggregate(data)
		if err == nil && len(recs) == 0 && !bytes.HasPrefix(data, kplMagic) {
			t.Fatal("plain data lost")
		}
	})
}
