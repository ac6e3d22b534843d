package yamlnode

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// bomb returns YAML whose key "top" stands for 10^levels scalars, built
// from levels anchors of ten aliases each, starting at line first+1.
func bomb(levels int) string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= levels; i++ {
		p := fmt.Sprintf("*a%d", i-1)
		fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.Repeat(p+", ", 9)+p)
	}
	return b.String()
}

func TestDecoder_AliasBounds(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int // 0: no error
	}{
		{"no aliases", "a: 1\nb: [1, 2, 3]\n", 0},
		{"a few aliases", "base: &b {p: 1, q: [1, 2]}\nx: *b\ny: *b\n", 0},
		{"ten levels of ten (a5 passes 2^20)", bomb(9), 6},
		{"second document", "a: 1\n---\n" + bomb(9), 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec := NewDecoder(strings.NewReader(tc.src))
			var err error
			for err == nil {
				var doc yaml.Node
				err = dec.Decode(&doc)
			}
			if errors.Is(err, io.EOF) {
				err = nil
			}
			if tc.line == 0 {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var ab *AliasBombError
			if !errors.As(err, &ab) || ErrLine(err) != tc.line || !strings.Contains(ErrText(err), "alias bomb") {
				t.Fatalf("err = %v (line %d), want an alias bomb at line %d", err, ErrLine(err), tc.line)
			}
		})
	}
}
