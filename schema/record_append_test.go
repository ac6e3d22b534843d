package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// sameAsMapJSON checks that RecordWriter writes every record exactly as
// encoding/json writes its Map(), and returns how many records it checked.
func sameAsMapJSON(t *testing.T, c *Classifier, payload []byte) int {
	t.Helper()
	var w RecordWriter
	n := 0
	c.Classify(payload, Input{Source: "test"}, func(r *Record) {
		n++
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r.Map()); err != nil {
			return // encoding/json refuses it (NaN): nothing to compare with
		}
		got := append(w.AppendFields(nil, r), '\n')
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s record %s:\n got %s\nwant %s", r.LogType.Name, r.Raw, got, want.Bytes())
		}
	}, func(*Unclassified) {})
	return n
}

// TestRecordWriter_SameBytesAsEncodingJSONOfMap: over every sample and
// golden input of the built-in types and the test types.
func TestRecordWriter_SameBytesAsEncodingJSONOfMap(t *testing.T) {
	c := NewClassifier(testRegistry(t))
	var files []string
	for _, pat := range []string{"testdata/samples/*/*", "testdata/golden/*/*", "testdata/classify/cases/*", "testdata/classify/cloudtrail/*"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // a directory
		}
		total += sameAsMapJSON(t, c, data)
	}
	if total < 80 {
		t.Fatalf("only %d records in %d files", total, len(files))
	}
	t.Logf("%d records of %d files", total, len(files))
}

func TestAppendJSONString_AsEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "\x00\x01\b\f\n\r\t\x1f\x7f", "<&>", "é\u2028\u2029x", "bad\xff\xfe utf8\xc3", "\xed\xa0\x80"} {
		want, _ := json.Marshal(s)
		want = bytes.ReplaceAll(want, []byte(`\u003c`), []byte("<"))
		want = bytes.ReplaceAll(want, []byte(`\u003e`), []byte(">"))
		want = bytes.ReplaceAll(want, []byte(`\u0026`), []byte("&"))
		if got := AppendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s want %s", s, got, want)
		}
	}
}

func FuzzRecordWriter(f *testing.F) {
	for _, s := range []string{
		`{"kind":"typed","s":"x","i":1,"big":2,"f":1.5,"ok":"true","ts":"2024-01-02T03:04:05.5+02:00","addr":"::FFFF:1.2.3.4","tags":"one","nums":[1,null],"obj":{"n":1,"deep":{"x":"y"},"zz":1},"doc":{"host":"a","n":1e300,"b":[1.0,-0,1E-7,"\u00e9\ud800"]},"items":[{"host":"b"}]}`,
		`{"eventVersion":"1.08","eventTime":"2024-07-30T10:00:00Z","eventSource":"s","eventName":"n","awsRegion":"r","requestParameters":{"z":1,"a":{"y":[true,false,null]},"a":2},"extra":{"b":1,"a":"<x>"}}`,
		`{"kind":"typed","f":1e21,"doc":{"x":123456789012345678901234567890}}`,
	} {
		f.Add([]byte(s))
	}
	reg := testRegistry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsMapJSON(t, NewClassifier(reg), data)
	})
}
