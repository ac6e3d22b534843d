package compare

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	arrowparquet "github.com/apache/arrow/go/v15/parquet"
	arrowcompress "github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
	xparquet "github.com/xitongsys/parquet-go/parquet"
	xwriter "github.com/xitongsys/parquet-go/writer"

	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/firehose/internal/synth"
	"github.com/streamalert/streamalert/schema"
)

// The input: CloudTrail-shaped records laid out as rows of the table's
// columns (declared fields, then the common sa_ columns), made once.
var (
	inputOnce sync.Once
	lt        *schema.LogType
	cols      []schema.Column
	rows      [][]schema.Value
	rawBytes  int64
)

const nRows = 100_000

func input() {
	inputOnce.Do(func() {
		lt = synth.CloudTrail()
		cols = lt.Columns()
		for _, r := range synth.Records(nRows, 1) {
			rawBytes += int64(len(r.Raw))
			row := append([]schema.Value(nil), r.Values...)
			row = append(row, schema.Time(r.EventTime), schema.Time(r.IngestTime), schema.Str(r.ID), schema.Str(r.Source))
			var norm []schema.Value
			for _, typ := range lt.NormalizedTypes() {
				var l []schema.Value
				for _, v := range r.Normalized[typ] {
					l = append(l, schema.Str(v))
				}
				if l == nil {
					norm = append(norm, schema.Value{})
				} else {
					norm = append(norm, schema.Array(l...))
				}
			}
			row = append(row, schema.Object(norm...), schema.Value{})
			rows = append(rows, row)
		}
	})
}

// run times write over b.N rows (cycling through the input) and reports
// rows/s, rows per CPU second, MB/s of raw JSON and the output/JSON ratio.
// write gets the rows to write and returns the bytes of Parquet made.
func run(b *testing.B, write func(b *testing.B, n int) int64) {
	input()
	b.SetBytes(rawBytes / nRows)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	out := write(b, b.N)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "rows/cpu-s")
	b.ReportMetric(float64(out)/(float64(rawBytes)*float64(b.N)/nRows), "parquet/json")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Each library writes files of at most fileRows rows, one row group each,
// the size the embedded writer's default buffer makes.
const fileRows = 50_000

type countingDest struct{ bytes int64 }

func (d *countingDest) Put(_ context.Context, _ string, data []byte) error {
	d.bytes += int64(len(data))
	return nil
}
func (d *countingDest) String() string { return "counting" }

func BenchmarkLake(b *testing.B) {
	for _, comp := range []string{"snappy", "zstd"} {
		b.Run(comp, func(b *testing.B) {
			run(b, func(b *testing.B, n int) int64 {
				dest := &countingDest{}
				w, err := firehose.NewLake(dest, firehose.Options{Compression: comp, BufferSize: 1 << 40, BufferInterval: time.Hour})
				if err != nil {
					b.Fatal(err)
				}
				for i := range n {
					if err := w.WriteRows(lt, rows[i%nRows]); err != nil {
						b.Fatal(err)
					}
					if (i+1)%fileRows == 0 {
						if err := w.Flush(context.Background()); err != nil {
							b.Fatal(err)
						}
					}
				}
				if err := w.Close(context.Background()); err != nil {
					b.Fatal(err)
				}
				return dest.bytes
			})
		})
	}
}

// arrowType maps a column type as the embedded writer does.
func arrowType(t schema.Type) arrow.DataType {
	switch t.Kind {
	case schema.KindInt:
		return arrow.PrimitiveTypes.Int32
	case schema.KindBigint:
		return arrow.PrimitiveTypes.Int64
	case schema.KindFloat:
		return arrow.PrimitiveTypes.Float64
	case schema.KindBool:
		return arrow.FixedWidthTypes.Boolean
	case schema.KindTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case schema.KindArray:
		return arrow.ListOf(arrowType(*t.Elem))
	case schema.KindObject:
		fs := make([]arrow.Field, len(t.Fields))
		for i, f := range t.Fields {
			fs[i] = arrow.Field{Name: f.Column, Type: arrowType(f.Type), Nullable: true}
		}
		return arrow.StructOf(fs...)
	}
	return arrow.BinaryTypes.String
}

func appendArrowNull(bld array.Builder) {
	bld.AppendNull()
	if sb, ok := bld.(*array.StructBuilder); ok {
		for i := 0; i < sb.NumField(); i++ {
			appendArrowNull(sb.FieldBuilder(i))
		}
	}
}

func appendArrow(bld array.Builder, t schema.Type, v schema.Value) {
	if v.Kind == schema.KindNull {
		appendArrowNull(bld)
		return
	}
	switch bb := bld.(type) {
	case *array.StringBuilder:
		bb.Append(v.S)
	case *array.Int32Builder:
		bb.Append(int32(v.I))
	case *array.Int64Builder:
		bb.Append(v.I)
	case *array.Float64Builder:
		bb.Append(v.Float())
	case *array.BooleanBuilder:
		bb.Append(v.I != 0)
	case *array.TimestampBuilder:
		bb.Append(arrow.Timestamp(v.I))
	case *array.ListBuilder:
		bb.Append(true)
		for _, e := range v.L {
			appendArrow(bb.ValueBuilder(), *t.Elem, e)
		}
	case *array.StructBuilder:
		bb.Append(true)
		for i, f := range t.Fields {
			var e schema.Value
			if i < len(v.L) {
				e = v.L[i]
			}
			appendArrow(bb.FieldBuilder(i), f.Type, e)
		}
	default:
		panic(fmt.Sprintf("no arrow append for %T", bld))
	}
}

func BenchmarkArrowV15(b *testing.B) {
	for _, comp := range []struct {
		name  string
		codec arrowcompress.Compression
	}{{"snappy", arrowcompress.Codecs.Snappy}, {"zstd", arrowcompress.Codecs.Zstd}} {
		b.Run(comp.name, func(b *testing.B) {
			run(b, func(b *testing.B, n int) int64 {
				input()
				fs := make([]arrow.Field, len(cols))
				for i, c := range cols {
					fs[i] = arrow.Field{Name: c.Name, Type: arrowType(c.Type), Nullable: true}
				}
				sc := arrow.NewSchema(fs, nil)
				props := arrowparquet.NewWriterProperties(arrowparquet.WithCompression(comp.codec),
					arrowparquet.WithMaxRowGroupLength(fileRows), arrowparquet.WithDictionaryDefault(true))
				var total int64
				var buf bytes.Buffer
				rb := array.NewRecordBuilder(memory.DefaultAllocator, sc)
				defer rb.Release()
				for done := 0; done < n; {
					buf.Reset()
					fw, err := pqarrow.NewFileWriter(sc, &buf, props, pqarrow.DefaultWriterProps())
					if err != nil {
						b.Fatal(err)
					}
					end := min(done+fileRows, n)
					for ; done < end; done++ {
						row := rows[done%nRows]
						for c := range cols {
							appendArrow(rb.Field(c), cols[c].Type, row[c])
						}
						if (done+1)%4096 == 0 || done+1 == end {
							rec := rb.NewRecord()
							if err := fw.WriteBuffered(rec); err != nil {
								b.Fatal(err)
							}
							rec.Release()
						}
					}
					if err := fw.Close(); err != nil {
						b.Fatal(err)
					}
					total += int64(buf.Len())
				}
				return total
			})
		})
	}
}

// The xitongsys writer maps Go structs by their tags; these mirror the
// synth:cloudtrail table.
type xRow struct {
	EventVersion       *string        `parquet:"name=eventversion, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	UserIdentity       *xUserIdentity `parquet:"name=useridentity, repetitiontype=OPTIONAL"`
	EventTime          *int64         `parquet:"name=eventtime, type=INT64, logicaltype=TIMESTAMP, logicaltype.isadjustedtoutc=true, logicaltype.unit=MICROS, repetitiontype=OPTIONAL"`
	EventSource        *string        `parquet:"name=eventsource, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	EventName          *string        `parquet:"name=eventname, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	AWSRegion          *string        `parquet:"name=awsregion, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	SourceIPAddress    *string        `parquet:"name=sourceipaddress, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	UserAgent          *string        `parquet:"name=useragent, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	ErrorCode          *string        `parquet:"name=errorcode, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	ErrorMessage       *string        `parquet:"name=errormessage, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	RequestParameters  *string        `parquet:"name=requestparameters, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	ResponseElements   *string        `parquet:"name=responseelements, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	RequestID          *string        `parquet:"name=requestid, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	EventID            *string        `parquet:"name=eventid, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	ReadOnly           *bool          `parquet:"name=readonly, type=BOOLEAN, repetitiontype=OPTIONAL"`
	Resources          *string        `parquet:"name=resources, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	EventType          *string        `parquet:"name=eventtype, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	ManagementEvent    *bool          `parquet:"name=managementevent, type=BOOLEAN, repetitiontype=OPTIONAL"`
	RecipientAccountID *string        `parquet:"name=recipientaccountid, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	EventCategory      *string        `parquet:"name=eventcategory, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	TLSDetails         *xTLS          `parquet:"name=tlsdetails, repetitiontype=OPTIONAL"`
	SAEventTime        *int64         `parquet:"name=sa_event_time, type=INT64, logicaltype=TIMESTAMP, logicaltype.isadjustedtoutc=true, logicaltype.unit=MICROS, repetitiontype=OPTIONAL"`
	SAIngestTime       *int64         `parquet:"name=sa_ingest_time, type=INT64, logicaltype=TIMESTAMP, logicaltype.isadjustedtoutc=true, logicaltype.unit=MICROS, repetitiontype=OPTIONAL"`
	SARecordID         *string        `parquet:"name=sa_record_id, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	SASource           *string        `parquet:"name=sa_source, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	SANormalized       *xNormalized   `parquet:"name=sa_normalized, repetitiontype=OPTIONAL"`
	SAExtras           *string        `parquet:"name=sa_extras, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
}

type xUserIdentity struct {
	Type           *string          `parquet:"name=type, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	PrincipalID    *string          `parquet:"name=principalid, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	ARN            *string          `parquet:"name=arn, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	AccountID      *string          `parquet:"name=accountid, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	AccessKeyID    *string          `parquet:"name=accesskeyid, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	UserName       *string          `parquet:"name=username, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	InvokedBy      *string          `parquet:"name=invokedby, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	SessionContext *xSessionContext `parquet:"name=sessioncontext, repetitiontype=OPTIONAL"`
}

type xSessionContext struct {
	Attributes    *xAttributes `parquet:"name=attributes, repetitiontype=OPTIONAL"`
	SessionIssuer *xIssuer     `parquet:"name=sessionissuer, repetitiontype=OPTIONAL"`
}

type xAttributes struct {
	MFAAuthenticated *bool  `parquet:"name=mfaauthenticated, type=BOOLEAN, repetitiontype=OPTIONAL"`
	CreationDate     *int64 `parquet:"name=creationdate, type=INT64, logicaltype=TIMESTAMP, logicaltype.isadjustedtoutc=true, logicaltype.unit=MICROS, repetitiontype=OPTIONAL"`
}

type xIssuer struct {
	Type        *string `parquet:"name=type, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	PrincipalID *string `parquet:"name=principalid, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	ARN         *string `parquet:"name=arn, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	AccountID   *string `parquet:"name=accountid, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	UserName    *string `parquet:"name=username, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
}

type xTLS struct {
	TLSVersion               *string `parquet:"name=tlsversion, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	CipherSuite              *string `parquet:"name=ciphersuite, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	ClientProvidedHostHeader *string `parquet:"name=clientprovidedhostheader, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
}

type xNormalized struct {
	AWSAccountID []string `parquet:"name=aws_account_id, type=LIST, valuetype=BYTE_ARRAY, valueconvertedtype=UTF8"`
	AWSARN       []string `parquet:"name=aws_arn, type=LIST, valuetype=BYTE_ARRAY, valueconvertedtype=UTF8"`
	IPAddress    []string `parquet:"name=ip_address, type=LIST, valuetype=BYTE_ARRAY, valueconvertedtype=UTF8"`
	Username     []string `parquet:"name=username, type=LIST, valuetype=BYTE_ARRAY, valueconvertedtype=UTF8"`
}

func xStr(v schema.Value) *string {
	if v.Kind == schema.KindNull {
		return nil
	}
	return &v.S
}

func xInt(v schema.Value) *int64 {
	if v.Kind == schema.KindNull {
		return nil
	}
	return &v.I
}

func xBool(v schema.Value) *bool {
	if v.Kind == schema.KindNull {
		return nil
	}
	b := v.I != 0
	return &b
}

func xList(v schema.Value) []string {
	var out []string
	for _, e := range v.L {
		out = append(out, e.S)
	}
	return out
}

func field(v schema.Value, i int) schema.Value {
	if v.Kind != schema.KindObject || i >= len(v.L) {
		return schema.Value{}
	}
	return v.L[i]
}

// xRowOf converts a row to the xitongsys struct (outside the timed part:
// it is that library's input format).
func xRowOf(r []schema.Value) *xRow {
	x := &xRow{
		EventVersion: xStr(r[0]), EventTime: xInt(r[2]), EventSource: xStr(r[3]), EventName: xStr(r[4]),
		AWSRegion: xStr(r[5]), SourceIPAddress: xStr(r[6]), UserAgent: xStr(r[7]), ErrorCode: xStr(r[8]),
		ErrorMessage: xStr(r[9]), RequestParameters: xStr(r[10]), ResponseElements: xStr(r[11]),
		RequestID: xStr(r[12]), EventID: xStr(r[13]), ReadOnly: xBool(r[14]), Resources: xStr(r[15]),
		EventType: xStr(r[16]), ManagementEvent: xBool(r[17]), RecipientAccountID: xStr(r[18]),
		EventCategory: xStr(r[19]),
		SAEventTime:   xInt(r[21]), SAIngestTime: xInt(r[22]), SARecordID: xStr(r[23]), SASource: xStr(r[24]),
		SAExtras: xStr(r[26]),
	}
	if u := r[1]; u.Kind == schema.KindObject {
		x.UserIdentity = &xUserIdentity{Type: xStr(field(u, 0)), PrincipalID: xStr(field(u, 1)), ARN: xStr(field(u, 2)),
			AccountID: xStr(field(u, 3)), AccessKeyID: xStr(field(u, 4)), UserName: xStr(field(u, 5)), InvokedBy: xStr(field(u, 6))}
		if sc := field(u, 7); sc.Kind == schema.KindObject {
			x.UserIdentity.SessionContext = &xSessionContext{}
			if a := field(sc, 0); a.Kind == schema.KindObject {
				x.UserIdentity.SessionContext.Attributes = &xAttributes{MFAAuthenticated: xBool(field(a, 0)), CreationDate: xInt(field(a, 1))}
			}
			if s := field(sc, 1); s.Kind == schema.KindObject {
				x.UserIdentity.SessionContext.SessionIssuer = &xIssuer{Type: xStr(field(s, 0)), PrincipalID: xStr(field(s, 1)),
					ARN: xStr(field(s, 2)), AccountID: xStr(field(s, 3)), UserName: xStr(field(s, 4))}
			}
		}
	}
	if t := r[20]; t.Kind == schema.KindObject {
		x.TLSDetails = &xTLS{TLSVersion: xStr(field(t, 0)), CipherSuite: xStr(field(t, 1)), ClientProvidedHostHeader: xStr(field(t, 2))}
	}
	if n := r[25]; n.Kind == schema.KindObject {
		x.SANormalized = &xNormalized{AWSAccountID: xList(field(n, 0)), AWSARN: xList(field(n, 1)), IPAddress: xList(field(n, 2)), Username: xList(field(n, 3))}
	}
	return x
}

var (
	xOnce sync.Once
	xRows []*xRow
)

func BenchmarkXitongsys(b *testing.B) {
	input()
	xOnce.Do(func() {
		if len(cols) != 27 {
			panic(fmt.Sprintf("synth:cloudtrail has %d columns; update xRow", len(cols)))
		}
		for _, r := range rows {
			xRows = append(xRows, xRowOf(r))
		}
	})
	for _, comp := range []struct {
		name  string
		codec xparquet.CompressionCodec
	}{{"snappy", xparquet.CompressionCodec_SNAPPY}, {"zstd", xparquet.CompressionCodec_ZSTD}} {
		b.Run(comp.name, func(b *testing.B) {
			run(b, func(b *testing.B, n int) int64 {
				var total int64
				var buf bytes.Buffer
				for done := 0; done < n; {
					buf.Reset()
					pw, err := xwriter.NewParquetWriterFromWriter(&buf, new(xRow), 1)
					if err != nil {
						b.Fatal(err)
					}
					pw.CompressionType = comp.codec
					end := min(done+fileRows, n)
					for ; done < end; done++ {
						if err := pw.Write(xRows[done%nRows]); err != nil {
							b.Fatal(err)
						}
					}
					if err := pw.WriteStop(); err != nil {
						b.Fatal(err)
					}
					total += int64(buf.Len())
				}
				return total
			})
		})
	}
}

var _ io.Writer = (*bytes.Buffer)(nil)
