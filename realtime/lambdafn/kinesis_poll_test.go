package lambdafn

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/streamalert/streamalert/internal/lambdatest"
	"github.com/streamalert/streamalert/realtime/serve"
)

// TestKinesisPoller_FeedsClassifierFunction: a poller standing in for the
// event source mapping invokes the classifier function with Kinesis
// events; a record Firehose refuses for a while is retried from, and in
// the end every record is delivered and every alert stored.
func TestKinesisPoller_FeedsClassifierFunction(t *testing.T) {
	client := lambdatest.Kinesis(t, 2)
	ddb := lambdatest.StartDynalite(t)
	env := newClassifierEnv(t, ddb, "", nil, ClassifierOptions{})
	refusals := 3
	env.fh.Fail = func(stream string, call, index int, data []byte) (string, string) {
		if refusals > 0 && strings.Contains(string(data), "8000-000000000007") {
			refusals--
			return "ServiceUnavailableException", "Slow down."
		}
		return "", ""
	}
	records, stops := lambdatest.KinesisData(0, 20)
	last := lambdatest.PutRecords(t, client, records)
	p := &serve.KinesisPoller{API: client, Stream: lambdatest.Stream, Checkpoints: filepath.Join(t.TempDir(), "ck.json"),
		Handler: KinesisHandler(env.fn.HandleKinesis, lambdatest.StreamARN, lambdatest.Region),
		Idle:    10 * time.Millisecond, Refresh: 50 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Log: quietLog}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- p.Run(ctx) }()
	caughtUp := func() bool {
		for shard, seq := range last {
			if got, _ := p.Checkpoint(shard); got != seq {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(30 * time.Second); !caughtUp(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("the poller did not reach the last records in 30s")
		}
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if refusals != 0 {
		t.Errorf("%d refusals left: the failing record was not retried", refusals)
	}
	delivered := map[string]bool{}
	for _, rec := range env.fh.Records(lambdatest.StreamOf("cloudtrail_events")) {
		for i := range 23 {
			if strings.Contains(string(rec), fmt.Sprintf("8000-%012d", i)) {
				delivered[fmt.Sprint(i)] = true
			}
		}
	}
	if len(delivered) != 23 {
		t.Errorf("%d of 23 CloudTrail records delivered: %v", len(delivered), delivered)
	}
	if got := statuses(t, env.store)["lambdatest_trail_stopped/pending"]; got != stops {
		t.Errorf("%d alerts, want %d", got, stops)
	}
}

func TestKinesisHandler_FirstFailedRecord(t *testing.T) {
	recs := []types.Record{{SequenceNumber: aws.String("1")}, {SequenceNumber: aws.String("2")}, {SequenceNumber: aws.String("3")}}
	tests := []struct {
		failed []string
		want   int
		err    bool
	}{
		{nil, 3, false},
		{[]string{"3", "2"}, 1, true},
		{[]string{"1"}, 0, true},
		{[]string{"9"}, 0, true}, // unknown: the whole batch again
	}
	for _, tt := range tests {
		h := KinesisHandler(func(_ context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
			if len(ev.Records) != 3 || ev.Records[0].EventSource != "aws:kinesis" || ev.Records[2].Kinesis.SequenceNumber != "3" {
				t.Errorf("event %+v", ev)
			}
			var resp events.KinesisEventResponse
			for _, f := range tt.failed {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: f})
			}
			return resp, nil
		}, "arn:aws:kinesis:us-east-1:1:stream/s", "us-east-1")
		done, err := h(context.Background(), "shard-0", recs)
		if done != tt.want || (err != nil) != tt.err {
			t.Errorf("failed %v: done %d err %v, want %d", tt.failed, done, err, tt.want)
		}
	}
}
