package lambdafn

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// KinesisEventOf builds the event Lambda's event source mapping would
// invoke a function with for a batch of a shard's records.
func KinesisEventOf(streamARN, region, shard string, recs []types.Record) events.KinesisEvent {
	ev := events.KinesisEvent{Records: make([]events.KinesisEventRecord, len(recs))}
	for i, r := range recs {
		seq := aws.ToString(r.SequenceNumber)
		var arrived time.Time
		if r.ApproximateArrivalTimestamp != nil {
			arrived = *r.ApproximateArrivalTimestamp
		}
		ev.Records[i] = events.KinesisEventRecord{
			AwsRegion: region, EventID: shard + ":" + seq, EventName: "aws:kinesis:record",
			EventSource: "aws:kinesis", EventSourceArn: streamARN, EventVersion: "1.0",
			Kinesis: events.KinesisRecord{
				ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: arrived},
				Data:                        r.Data, PartitionKey: aws.ToString(r.PartitionKey),
				SequenceNumber: seq, KinesisSchemaVersion: "1.0", EncryptionType: string(r.EncryptionType),
			},
		}
	}
	return ev
}

// KinesisHandler is a handler for serve's Kinesis poller that feeds batches
// to a Kinesis event handler (the classifier function's HandleKinesis, or
// one invoking it remotely) as the event source mapping does with ReportBatchItemFailures: the batch is
// done up to its first failed record, and the rest is retried.
func KinesisHandler(invoke func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error), streamARN, region string) func(ctx context.Context, shard string, recs []types.Record) (int, error) {
	return func(ctx context.Context, shard string, recs []types.Record) (int, error) {
		resp, err := invoke(ctx, KinesisEventOf(streamARN, region, shard, recs))
		if err != nil {
			return 0, err
		}
		index := make(map[string]int, len(recs))
		for i := range recs {
			index[aws.ToString(recs[i].SequenceNumber)] = i
		}
		first := len(recs)
		for _, f := range resp.BatchItemFailures {
			i, ok := index[f.ItemIdentifier]
			if !ok {
				// Lambda fails the whole batch on an identifier it does not know.
				return 0, fmt.Errorf("function reported failed item %q, not in the batch", f.ItemIdentifier)
			}
			first = min(first, i)
		}
		if first < len(recs) {
			return first, fmt.Errorf("%d of %d records failed, first %s", len(resp.BatchItemFailures), len(recs), aws.ToString(recs[first].SequenceNumber))
		}
		return len(recs), nil
	}
}
