package historical

import (
	"fmt"
	"os"
	"testing"
)

func TestZZScratch(t *testing.T) {
	e := openEngine(t, t.TempDir(), testRegistry(t))
	q, _ := os.ReadFile("/tmp/scratch/q.sql")
	fmt.Println(queryStrings(t, e, string(q)))
	fmt.Println(queryStrings(t, e, `SELECT list_transform(CAST(['"a\u00e9"', '1.50', '{"k" : [1, "x"], "n": null}', 'true', '[1,2]'] AS JSON[]), lambda v: json_extract_string(v, '$'))`))
}
