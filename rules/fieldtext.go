package rules

import (
	"strings"
	"sync"

	"github.com/streamalert/streamalert/schema"
)

// FieldReader reads one field path from records of any log type as text:
// the texts of the field's values as the matcher sees them, several joined
// with ", " — the text the SQL compiler selects for a field column. It is
// safe for concurrent use.
type FieldReader struct {
	path   []string
	byType sync.Map // *schema.LogType → *accessor
}

// NewFieldReader returns a reader of the dotted field path.
func NewFieldReader(path string) *FieldReader { return &FieldReader{path: splitPath(path)} }

// Read returns the field's text in rec; ok is false when the field is
// missing, null or has no values.
func (f *FieldReader) Read(rec *schema.Record) (string, bool) {
	v, found := f.byType.Load(rec.LogType)
	if !found {
		v, _ = f.byType.LoadOrStore(rec.LogType, newAccessor(ResolveField(rec.LogType, f.path)))
	}
	var buf [4]fieldValue
	vals, _ := v.(*accessor).read(rec, buf[:0])
	switch len(vals) {
	case 0:
		return "", false
	case 1:
		return vals[0].text, true
	}
	var b strings.Builder
	for i, x := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x.text)
	}
	return b.String(), true
}
