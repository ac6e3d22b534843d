package yamlnode

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestPlaces(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("a: 1\nb:\n  - x\n"), &doc); err != nil {
		t.Fatal(err)
	}
	m := doc.Content[0]
	if v := MapValue(m, "a"); v == nil || v.Value != "1" {
		t.Fatalf("MapValue(a) = %v", v)
	}
	if MapValue(m, "zz") != nil || MapValue(nil, "a") != nil || MapValue(m.Content[1], "a") != nil {
		t.Error("MapValue found what is not there")
	}
	if KeyLine(m, "b") != 2 || ValueLine(m, "b") != 3 || KeyLine(m, "zz") != 1 {
		t.Errorf("lines: key b %d, value b %d, missing %d", KeyLine(m, "b"), ValueLine(m, "b"), KeyLine(m, "zz"))
	}
	err := yaml.Unmarshal([]byte("a: [1\nb: 2\n"), &doc)
	if err == nil {
		t.Fatal("bad YAML accepted")
	}
	if ErrLine(err) == 0 || ErrText(err) == err.Error() {
		t.Errorf("ErrLine %d, ErrText %q from %q", ErrLine(err), ErrText(err), err)
	}
}
