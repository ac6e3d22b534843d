package lambdatest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/streamalert/streamalert/internal/schematest"
	"github.com/streamalert/streamalert/realtime"
)

// Kinesis starts kinesalite and creates the fixtures' stream with
// the given number of shards.
func Kinesis(t testing.TB, shards int32) *kinesis.Client {
	t.Helper()
	endpoint := StartKinesalite(t)
	client := kinesis.NewFromConfig(AWSConfig(), func(o *kinesis.Options) { o.BaseEndpoint = aws.String(endpoint) })
	ctx := context.Background()
	if _, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(Stream), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatal(err)
	}
	w := kinesis.NewStreamExistsWaiter(client, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(Stream)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	return client
}

// PutRecords puts records with varied partition keys (so they spread over
// the shards) and returns the last sequence number put to each shard.
func PutRecords(t testing.TB, client *kinesis.Client, data [][]byte) map[string]string {
	t.Helper()
	in := &kinesis.PutRecordsInput{StreamName: aws.String(Stream)}
	for i, d := range data {
		in.Records = append(in.Records, types.PutRecordsRequestEntry{Data: d, PartitionKey: aws.String(fmt.Sprintf("key-%d", i))})
	}
	out, err := client.PutRecords(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Fatalf("%d records not put", aws.ToInt32(out.FailedRecordCount))
	}
	last := map[string]string{}
	for _, r := range out.Records {
		last[aws.ToString(r.ShardId)] = aws.ToString(r.SequenceNumber)
	}
	return last
}

// KinesisData makes n CloudTrail records, every third a StopLogging that
// the fixtures' rule alerts on, then one KPL aggregate of three more and a
// poison record: n+3 classified records and one unclassified.
func KinesisData(from, n int) (data [][]byte, stops int) {
	for i := from; i < from+n; i++ {
		ev := "ListBuckets"
		if i%3 == 0 {
			ev, stops = "StopLogging", stops+1
		}
		data = append(data, []byte(schematest.CloudTrailRecord(i, ev)))
	}
	agg := [][]byte{[]byte(schematest.CloudTrailRecord(from+n, "DescribeTrails")), []byte(schematest.CloudTrailRecord(from+n+1, "DescribeTrails")), []byte(schematest.CloudTrailRecord(from+n+2, "DescribeTrails"))}
	data = append(data, realtime.Aggregate("agg", agg), []byte(fmt.Sprintf("poison record %d", from)))
	return data, stops
}
