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

func TestErrLineIn_PlacesErrorsTheLibraryGivesNoLine(t *testing.T) {
	cases := []struct {
		data string
		want int
	}{
		{"name: a\nlogs: [x]\nbad: \x01\n", 3},
		{"\x00garbage", 1},
		{"a: 1\nb: \xff\xfe\n", 2},
		{"a: [1\nb: 2\n", 0}, // the library's own line, checked below
	}
	for _, c := range cases {
		var n yaml.Node
		err := yaml.Unmarshal([]byte(c.data), &n)
		if err == nil {
			t.Fatalf("%q parsed", c.data)
		}
		want := c.want
		if want == 0 {
			want = ErrLine(err)
			if want == 0 {
				t.Fatalf("%q: the library gave no line: %v", c.data, err)
			}
		}
		if got := ErrLineIn(err, []byte(c.data)); got != want {
			t.Errorf("%q: ErrLineIn = %d, want %d (%v)", c.data, got, want, err)
		}
	}
}
