// Package compare holds the benchmark that chose the Parquet library of the
// embedded lake writer. It compares the firehose package's writer
// (BenchmarkLake: its own page encoding on parquet-go's format packages;
// when the choice was made, parquet-go's column writers),
// github.com/apache/arrow/go/v15 (pqarrow) and github.com/xitongsys/parquet-go
// on the same CloudTrail-shaped rows.
// It is a module of its own (its go.mod replaces the product's module with
// this checkout), so that the product's module graph holds none of the
// libraries it only compares against:
//
//	cd firehose/compare && go test -run XXX -bench . -cpu 1 .
//
// The figures and the choice are in docs/performance.md.
package compare
