package yamlnode

import (
	"encoding/json"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestJSON(t *testing.T) {
	cases := []struct{ src, want string }{
		{"z: 1\na: two\nm: {k: [true, null, 1.5]}", `{"z":1,"a":"two","m":{"k":[true,null,1.5]}}`},
		{"s: '007'\nq: \"say \\\"hi\\\"\"", `{"s":"007","q":"say \"hi\""}`},
		{"x: &a {p: 1}\ny: *a", `{"x":{"p":1},"y":{"p":1}}`},
		{"- a\n- 2", `["a",2]`},
		{"plain", `"plain"`},
		{"n: .inf", ""}, // JSON has no infinity
	}
	for _, c := range cases {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(c.src), &doc); err != nil {
			t.Fatal(err)
		}
		got, err := JSON(doc.Content[0])
		if c.want == "" {
			if err == nil {
				t.Errorf("JSON(%q) = %s, want an error", c.src, got)
			}
			continue
		}
		if err != nil || string(got) != c.want {
			t.Errorf("JSON(%q) = %s, %v; want %s", c.src, got, err, c.want)
		}
	}
	deep := strings.Repeat("[", maxJSONDepth+2) + strings.Repeat("]", maxJSONDepth+2)
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(deep), &doc); err != nil {
		t.Fatal(err)
	}
	if _, err := JSON(doc.Content[0]); err == nil || !strings.Contains(err.Error(), "levels deep") {
		t.Errorf("JSON of %d nested lists: %v", maxJSONDepth+2, err)
	}
}

// FuzzJSON checks that whatever YAML parses, JSON writes valid JSON or
// says why not.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{"a: 1", "- [x, {y: z}]", "x: &a {p: 1}\ny: *a", "n: .nan", "k: !!binary aGk=", "? [a]\n: b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var doc yaml.Node
		if yaml.Unmarshal([]byte(src), &doc) != nil || len(doc.Content) == 0 {
			return
		}
		out, err := JSON(doc.Content[0])
		if err == nil && !json.Valid(out) {
			t.Fatalf("JSON(%q) = %s, not valid JSON", src, out)
		}
	})
}
