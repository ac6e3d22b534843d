package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// Baseline decodes each line of r with encoding/json into a map[string]any
// and returns how many lines it decoded. A line that is not a JSON object
// is an error: the baseline is defined on JSON lines only.
func Baseline(r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n := 0
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return n, fmt.Errorf("line %d: %w", n+1, err)
		}
		n++
	}
	return n, sc.Err()
}

// LibraryPayloadLines is how many lines the library paths hand the
// classifier at once (the schema benchmarks' payload size).
const LibraryPayloadLines = 1000

// Library classifies the file at path as the library's benchmarks do: the
// file is read whole, cut into payloads of LibraryPayloadLines lines, and
// each payload classified by one classifier; with set, every record is
// matched against its rules. It returns the records classified, the
// unclassified and the matches.
func Library(path string, reg *schema.Registry, set *rules.Set) (classified, unclassified, matches int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, 0, err
	}
	c := schema.NewClassifier(reg)
	var m *rules.Matcher
	if set != nil {
		m = rules.NewMatcher(set)
	}
	onRecord := func(r *schema.Record) {
		classified++
		if m != nil {
			m.Match(r, func(*rules.Rule, rules.Match) { matches++ })
		}
	}
	onUnclassified := func(*schema.Unclassified) { unclassified++ }
	for len(data) > 0 {
		end, lines := 0, 0
		for end < len(data) && lines < LibraryPayloadLines {
			i := bytes.IndexByte(data[end:], '\n')
			if i < 0 {
				end = len(data)
				break
			}
			end += i + 1
			lines++
		}
		if err := c.Classify(data[:end], schema.Input{Source: "bench"}, onRecord, onUnclassified); err != nil {
			return classified, unclassified, matches, err
		}
		data = data[end:]
	}
	return classified, unclassified, matches, nil
}

// newBufWriter buffers writes of the generated files.
func newBufWriter(w io.Writer) *bufio.Writer { return bufio.NewWriterSize(w, 256<<10) }
