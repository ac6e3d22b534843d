package historical

import (
	"regexp"
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Bytes scanned are counted from DuckDB's profiling output of the last
// statement: each Parquet scan lists the files it opened (after partition
// pruning), and the sizes of those files are summed. That is what Athena
// would read at most for the same partitions; Athena charges only for the
// columns it reads, so its bill is lower.

var filesReadRe = regexp.MustCompile(`Total Files Read=(\d+)`)

// scanned returns the number and total size of the lake files the last
// statement read. Called with e.mu held, after the statement's rows are
// closed.
func (e *Engine) scanned() (int, int64, error) {
	info, err := duckdb.GetProfilingInfo(e.conn)
	if err != nil {
		return 0, 0, nil // statements without a plan (or no profile): nothing read
	}
	var extras []string
	reported := 0
	var walk func(p duckdb.ProfilingInfo)
	walk = func(p duckdb.ProfilingInfo) {
		if x := p.Metrics["EXTRA_INFO"]; strings.Contains(x, "Total Files Read=") {
			extras = append(extras, x)
			if m := filesReadRe.FindStringSubmatch(x); m != nil {
				n, _ := strconv.Atoi(m[1])
				reported += n
			}
		}
		for _, c := range p.Children {
			walk(c)
		}
	}
	walk(info)
	if len(extras) == 0 {
		return 0, 0, nil
	}
	files, err := listFiles(e.lake, nil)
	if err != nil {
		return 0, 0, err
	}
	all := strings.Join(extras, "\n")
	n, bytes := 0, int64(0)
	for _, f := range files {
		if strings.Contains(all, f.path) {
			n++
			bytes += f.size
		}
	}
	if n < reported {
		// The profile did not name every file; count the lake's files of
		// the tables the scans named, the most the scans could have read.
		n, bytes = 0, 0
		for _, f := range files {
			if strings.Contains(all, "/parquet/"+f.table+"/") {
				n++
				bytes += f.size
			}
		}
	}
	return n, bytes, nil
}
