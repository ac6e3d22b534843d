// Package compare holds the benchmark that chose the Parquet library of the
// embedded lake writer. It compares the firehose package's writer
// (BenchmarkLake: its own page encoding on parquet-go's format packages;
// when the choice was made, parquet-go's column writers),
// github.com/apache/arrow/go/v15 (pqarrow) and github.com/xitongsys/parquet-go
// on the same CloudTrail-shaped rows.
// It is built only with the parquetcompare tag, so that nothing else links
// three Parquet libraries:
//
//	go test -tags parquetcompare -run XXX -bench . -cpu 1 ./firehose/compare/
//
// The figures and the choice are in docs/performance.md.
package compare
