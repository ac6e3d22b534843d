package realtime

import (
	"bytes"
	"crypto/md5"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// kplMagic starts a Kinesis Producer Library aggregated record; the body is
// the protobuf message AggregatedRecord followed by its MD5.
var kplMagic = []byte{0xf3, 0x89, 0x9a, 0xc2}

// Deaggregate splits a KPL-aggregated Kinesis record into its user records.
// A record that is not aggregated (or whose checksum does not match, which
// the KPL format says to treat as a plain record) is returned as it is.
func Deaggregate(data []byte) ([][]byte, error) {
	if len(data) < len(kplMagic)+md5.Size || !bytes.HasPrefix(data, kplMagic) {
		return [][]byte{data}, nil
	}
	body := data[len(kplMagic) : len(data)-md5.Size]
	sum := md5.Sum(body)
	if !bytes.Equal(sum[:], data[len(data)-md5.Size:]) {
		return [][]byte{data}, nil
	}
	var out [][]byte
	for len(body) > 0 {
		num, typ, n := protowire.ConsumeTag(body)
		if n < 0 {
			return nil, fmt.Errorf("kpl: bad field tag: %v", protowire.ParseError(n))
		}
		body = body[n:]
		if num == 3 && typ == protowire.BytesType { // repeated Record records = 3
			rec, m := protowire.ConsumeBytes(body)
			if m < 0 {
				return nil, fmt.Errorf("kpl: bad record: %v", protowire.ParseError(m))
			}
			d, err := kplRecordData(rec)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
			body = body[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, body)
		if m < 0 {
			return nil, fmt.Errorf("kpl: bad field %d: %v", num, protowire.ParseError(m))
		}
		body = body[m:]
	}
	return out, nil
}

// kplRecordData returns field 3 (bytes data) of a KPL Record message.
func kplRecordData(rec []byte) ([]byte, error) {
	var data []byte
	for len(rec) > 0 {
		num, typ, n := protowire.ConsumeTag(rec)
		if n < 0 {
			return nil, fmt.Errorf("kpl: bad record field: %v", protowire.ParseError(n))
		}
		rec = rec[n:]
		if num == 3 && typ == protowire.BytesType {
			d, m := protowire.ConsumeBytes(rec)
			if m < 0 {
				return nil, fmt.Errorf("kpl: bad record data: %v", protowire.ParseError(m))
			}
			data = d
			rec = rec[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, rec)
		if m < 0 {
			return nil, fmt.Errorf("kpl: bad record field %d: %v", num, protowire.ParseError(m))
		}
		rec = rec[m:]
	}
	return data, nil
}

// Aggregate builds a KPL aggregated record from user records (all with one
// partition key). It exists for tests and for producers written in Go.
func Aggregate(partitionKey string, records [][]byte) []byte {
	var body []byte
	body = protowire.AppendTag(body, 1, protowire.BytesType)
	body = protowire.AppendString(body, partitionKey)
	for _, r := range records {
		var rec []byte
		rec = protowire.AppendTag(rec, 1, protowire.VarintType)
		rec = protowire.AppendVarint(rec, 0)
		rec = protowire.AppendTag(rec, 3, protowire.BytesType)
		rec = protowire.AppendBytes(rec, r)
		body = protowire.AppendTag(body, 3, protowire.BytesType)
		body = protowire.AppendBytes(body, rec)
	}
	sum := md5.Sum(body)
	out := append(append([]byte{}, kplMagic...), body...)
	return append(out, sum[:]...)
}
