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

var (
	filesReadRe = regexp.MustCompile(`Total Files Read=(\d+)`)
	// dtFilterRe is the partition filter DuckDB applied to a scan's files
	// (quotes escaped in the profile's text).
	dtFilterRe = regexp.MustCompile(`File Filters='\(dt BETWEEN \\'([0-9-]+)\\' AND \\'([0-9-]+)\\'\)'`)
)

// scanned returns the number and total size of the lake files the last
// statement read. Called with e.mu held, after the statement's rows are
// closed.
func (e *Engine) scanned() (int, int64, error) {
	info, err := duckdb.GetProfilingInfo(e.conn)
	if err != nil {
		return 0, 0, nil // statements without a plan (or no profile): nothing read
	}
	// Each scan's EXTRA_INFO names its files and says how many it read.
	type scan struct {
		info     string
		reported int
	}
	var scans []scan
	var walk func(p duckdb.ProfilingInfo)
	walk = func(p duckdb.ProfilingInfo) {
		if x := p.Metrics["EXTRA_INFO"]; strings.Contains(x, "Total Files Read=") {
			sc := scan{info: x}
			if m := filesReadRe.FindStringSubmatch(x); m != nil {
				sc.reported, _ = strconv.Atoi(m[1])
			}
			scans = append(scans, sc)
		}
		for _, c := range p.Children {
			walk(c)
		}
	}
	walk(info)
	if len(scans) == 0 {
		return 0, 0, nil
	}
	files, err := listFiles(e.lake, nil)
	if err != nil {
		return 0, 0, err
	}
	// A file read by several scans (a table joined with itself) counts
	// once. A scan whose profile does not name every file it read counts
	// every file of its table, the most it could have read.
	read := map[string]bool{}
	for _, sc := range scans {
		named := 0
		for _, f := range files {
			if strings.Contains(sc.info, f.path) {
				named++
				read[f.path] = true
			}
		}
		if named >= sc.reported {
			continue
		}
		// The profile lists a few names and "...". A dt range filter
		// that selects exactly as many files as were read names them.
		var inRange []string
		if m := dtFilterRe.FindStringSubmatch(sc.info); m != nil {
			for _, f := range files {
				if strings.Contains(sc.info, "/parquet/"+f.table+"/") && f.dt >= m[1] && f.dt <= m[2] {
					inRange = append(inRange, f.path)
				}
			}
		}
		if len(inRange) == sc.reported {
			for _, p := range inRange {
				read[p] = true
			}
			continue
		}
		for _, f := range files {
			if strings.Contains(sc.info, "/parquet/"+f.table+"/") {
				read[f.path] = true
			}
		}
	}
	n, bytes := 0, int64(0)
	for _, f := range files {
		if read[f.path] {
			n++
			bytes += f.size
		}
	}
	return n, bytes, nil
}
