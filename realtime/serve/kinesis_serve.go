package serve

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/realtime"
)

// KinesisCheckpointFile is where the checkpoints of a kinesis source are
// kept in the data directory.
func KinesisCheckpointFile(dataDir, source string) string {
	return filepath.Join(dataDir, "kinesis", source+".json")
}

// NewKinesisPoller returns a poller that feeds the records of a kinesis
// source's stream to run, each (KPL user) record a batch of that source.
// A record is done once the runner has it in the ingest log, so that the
// checkpoint never passes a record that a crash could lose.
func NewKinesisPoller(api KinesisAPI, src *realtime.KinesisSource, run *realtime.Runner, dataDir string, log *slog.Logger) *KinesisPoller {
	return &KinesisPoller{API: api, Stream: src.Stream, Checkpoints: KinesisCheckpointFile(dataDir, src.Name),
		Handler: runnerKinesisHandler(run, src.Name), Log: log}
}

// kinesisCursorKey names a shard's position among the ingest log's
// cursors.
func kinesisCursorKey(source, shard string) string { return "kinesis/" + source + "/" + shard }

// seqAfter reports whether Kinesis sequence number a comes after b: they
// are decimal numbers of up to 128 bits, compared by length, then digits.
func seqAfter(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// runnerKinesisHandler stores a read batch's records in the runner as one
// ordered append (all or none), each user record a batch carrying its
// shard and sequence number as a cursor (the last of a KPL record's). Records at or before the shard's
// stored cursor are skipped: they are in the ingest log already (a kill -9
// came after they were stored and before the poller saved the shard's
// position), so a re-read makes no duplicates.
func runnerKinesisHandler(run *realtime.Runner, source string) KinesisHandler {
	return func(ctx context.Context, shard string, recs []types.Record) (int, error) {
		key := kinesisCursorKey(source, shard)
		stored, _ := run.Cursor(key)
		var bs []realtime.Batch
		for i := range recs {
			r := &recs[i]
			seq := aws.ToString(r.SequenceNumber)
			if stored != "" && !seqAfter(seq, stored) {
				continue
			}
			users, err := realtime.Deaggregate(r.Data)
			if err != nil {
				users = [][]byte{r.Data} // kept whole: it ends as unclassified
			}
			received := time.Now().UTC()
			if r.ApproximateArrivalTimestamp != nil {
				received = r.ApproximateArrivalTimestamp.UTC()
			}
			for j, u := range users {
				b := realtime.Batch{Source: source, Received: received, Payload: u}
				if j == len(users)-1 {
					// On the last user record only: a crash mid-write
					// keeps a prefix of the frames, and the cursor
					// must not claim user records that were cut off.
					b.Cursor = realtime.Cursor{Key: key, Value: seq}
				}
				bs = append(bs, b)
			}
		}
		if len(bs) == 0 {
			return len(recs), nil
		}
		if _, err := run.SubmitBatchesWait(ctx, bs); err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			return 0, fmt.Errorf("records %s to %s: %w", aws.ToString(recs[0].SequenceNumber), aws.ToString(recs[len(recs)-1].SequenceNumber), err)
		}
		return len(recs), nil
	}
}

// ServeKinesis starts a poller for every kinesis source of cfg, feeding
// run, with checkpoints under dataDir/kinesis/. api nil means a client
// from the SDK's default configuration (AWS_ENDPOINT_URL_KINESIS and the
// like apply) in global.yaml's region. The pollers stop when ctx ends;
// wait blocks until they have. A bad checkpoint file is an error before
// anything starts.
func ServeKinesis(ctx context.Context, cfg *config.Config, run *realtime.Runner, dataDir string, api KinesisAPI, log *slog.Logger) (wait func(), err error) {
	if log == nil {
		log = slog.Default()
	}
	srcs, err := realtime.Sources(cfg)
	if err != nil {
		return nil, err
	}
	var pollers []*KinesisPoller
	for _, s := range realtime.SourcesOf[*realtime.KinesisSource](srcs) {
		if api == nil {
			awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.Global.Region))
			if err != nil {
				return nil, fmt.Errorf("kinesis source %s: AWS configuration: %w", s.Name, err)
			}
			api = kinesis.NewFromConfig(awsCfg)
		}
		p := NewKinesisPoller(api, s, run, dataDir, log)
		if err := p.Load(); err != nil {
			return nil, fmt.Errorf("kinesis source %s: %w", s.Name, err)
		}
		pollers = append(pollers, p)
	}
	var wg sync.WaitGroup
	for _, p := range pollers {
		log.Info("kinesis polling", "stream", p.Stream, "checkpoints", p.Checkpoints)
		wg.Go(func() {
			if err := p.Run(ctx); err != nil {
				log.Error("kinesis poller stopped", "stream", p.Stream, "err", err)
			}
		})
	}
	return wg.Wait, nil
}
