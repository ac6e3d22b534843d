package yamlnode

import (
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// node parses src and returns the value of key v of its top map.
func node(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("%q: %v", src, err)
	}
	v := MapValue(doc.Content[0], "v")
	if v == nil {
		t.Fatalf("%q has no key v", src)
	}
	return v
}

func TestValues(t *testing.T) {
	cases := []struct {
		src     string
		str     string
		strs    []string
		b       bool
		i       int
		errs    string // which of String, Strings, Bool, Int fail: s, l, b, i
		bErrMsg string
	}{
		{src: "v: hello", str: "hello", strs: []string{"hello"}, errs: "bi", bErrMsg: `"hello" is not true or false`},
		{src: "v: ~", str: "", strs: nil, errs: "bi"},
		{src: "v: true", str: "true", strs: []string{"true"}, b: true, errs: "i"},
		{src: "v: yes", str: "yes", strs: []string{"yes"}, errs: "bi"},
		{src: "v: 42", str: "42", strs: []string{"42"}, i: 42, errs: "b"},
		{src: "v: 4.5", str: "4.5", strs: []string{"4.5"}, errs: "bi"},
		{src: "v: [a, b]", strs: []string{"a", "b"}, errs: "sbi"},
		{src: "v: []", strs: []string{}, errs: "sbi"},
		{src: "v: [a, [b]]", errs: "slbi"},
		{src: "v: {a: 1}", errs: "slbi"},
		{src: "a: &x foo\nv: *x", str: "foo", strs: []string{"foo"}, errs: "bi"},
		{src: "a: &x [p, q]\nv: *x", strs: []string{"p", "q"}, errs: "sbi"},
	}
	for _, c := range cases {
		n := node(t, c.src)
		s, err := String(n)
		if (err != nil) != strings.Contains(c.errs, "s") || err == nil && s != c.str {
			t.Errorf("%q: String = %q, %v", c.src, s, err)
		}
		l, err := Strings(n)
		if (err != nil) != strings.Contains(c.errs, "l") || err == nil && !reflect.DeepEqual(l, c.strs) {
			t.Errorf("%q: Strings = %#v, %v; want %#v", c.src, l, err, c.strs)
		}
		b, err := Bool(n)
		if (err != nil) != strings.Contains(c.errs, "b") || err == nil && b != c.b {
			t.Errorf("%q: Bool = %v, %v", c.src, b, err)
		}
		if c.bErrMsg != "" && (err == nil || err.Error() != c.bErrMsg) {
			t.Errorf("%q: Bool error %v, want %s", c.src, err, c.bErrMsg)
		}
		i, err := Int(n)
		if (err != nil) != strings.Contains(c.errs, "i") || err == nil && i != c.i {
			t.Errorf("%q: Int = %v, %v", c.src, i, err)
		}
	}
}

func TestMerge(t *testing.T) {
	cases := []struct{ base, over, want string }{
		{"a: 1\nb: 2", "b: 3\nc: 4", `{"b":3,"c":4,"a":1}`},
		{"d: {x: 1, y: 2}", "d: {y: 3}", `{"d":{"y":3,"x":1}}`},
		{"d: {x: 1}", "d: [1]", `{"d":[1]}`},
		{"[1]", "a: 1", `{"a":1}`},
	}
	for _, c := range cases {
		var b, o yaml.Node
		if err := yaml.Unmarshal([]byte(c.base), &b); err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal([]byte(c.over), &o); err != nil {
			t.Fatal(err)
		}
		before, _ := JSON(b.Content[0])
		got, err := JSON(Merge(b.Content[0], o.Content[0]))
		if err != nil || string(got) != c.want {
			t.Errorf("Merge(%q, %q) = %s, %v; want %s", c.base, c.over, got, err, c.want)
		}
		if after, _ := JSON(b.Content[0]); string(after) != string(before) {
			t.Errorf("Merge changed its base: %s, was %s", after, before)
		}
	}
}

func TestWithoutKey(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("action: global\na: 1\nb: 2\n"), &doc); err != nil {
		t.Fatal(err)
	}
	got, _ := JSON(WithoutKey(doc.Content[0], "action"))
	if string(got) != `{"a":1,"b":2}` {
		t.Errorf("WithoutKey = %s", got)
	}
	if MapValue(doc.Content[0], "action") == nil {
		t.Error("WithoutKey changed its input")
	}
}
