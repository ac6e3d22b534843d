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

// submitConcurrency bounds the records of one batch submitted at once; the
// ingest log's group commit makes them share fsyncs.
const submitConcurrency = 32

func runnerKinesisHandler(run *realtime.Runner, source string) KinesisHandler {
	return func(ctx context.Context, shard string, recs []types.Record) (int, error) {
		errs := make([]error, len(recs))
		sem := make(chan struct{}, submitConcurrency)
		var wg sync.WaitGroup
		for i := range recs {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				errs[i] = submitKinesisRecord(ctx, run, source, &recs[i])
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				// Records after i may be in the log already; they come again
				// with the retry (at least once).
				return i, err
			}
		}
		return len(recs), nil
	}
}

// submitKinesisRecord puts one record's user records into the runner,
// waiting while it is busy.
func submitKinesisRecord(ctx context.Context, run *realtime.Runner, source string, r *types.Record) error {
	users, err := realtime.Deaggregate(r.Data)
	if err != nil {
		users = [][]byte{r.Data} // kept whole: it ends as unclassified
	}
	received := time.Now().UTC()
	if r.ApproximateArrivalTimestamp != nil {
		received = r.ApproximateArrivalTimestamp.UTC()
	}
	for _, u := range users {
		if _, err := run.SubmitWait(ctx, source, received, u); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("record %s: %w", aws.ToString(r.SequenceNumber), err)
		}
	}
	return nil
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
