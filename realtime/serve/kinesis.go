package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/streamalert/streamalert/realtime"
)

// KinesisAPI is the part of the Kinesis client a KinesisPoller uses;
// *kinesis.Client implements it.
type KinesisAPI interface {
	ListShards(ctx context.Context, in *kinesis.ListShardsInput, optFns ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
	GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, optFns ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *kinesis.GetRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error)
}

// KinesisHandler processes one batch of a shard's records, in order. It
// returns how many leading records are done: all of them with a nil error,
// or fewer with the error that stopped the rest, which the poller hands
// over again after a pause (an event source mapping's retry).
type KinesisHandler func(ctx context.Context, shard string, records []types.Record) (done int, err error)

// KinesisPoller reads every shard of a stream the way a Lambda event
// source mapping does: a shard iterator per shard, batches in order, the
// position after the last record done kept durably per shard (so a restart
// goes on where it stopped), parents read to their end before their
// children start after a reshard.
type KinesisPoller struct {
	API    KinesisAPI
	Stream string
	// Checkpoints is the file the shards' positions are kept in.
	Checkpoints string
	Handler     KinesisHandler
	// StartAtLatest makes a shard without a checkpoint start at its tip
	// instead of its oldest record.
	StartAtLatest bool
	// BatchSize caps the records of one GetRecords call (default 1000).
	BatchSize int32
	// Idle is the pause after a read that found a shard caught up
	// (default 1s); Refresh how often the shards are listed again to find
	// new ones (default 30s).
	Idle, Refresh time.Duration
	// MaxBackoff bounds the pause after a failure (default 30s; the pause
	// starts at Idle and doubles).
	MaxBackoff time.Duration
	Log        *slog.Logger

	mu    sync.Mutex
	state kinesisCheckpoints
}

// kinesisCheckpoints is the checkpoint file.
type kinesisCheckpoints struct {
	Stream string                      `json:"stream"`
	Shards map[string]*shardCheckpoint `json:"shards"`
}

type shardCheckpoint struct {
	// Sequence is the last record done.
	Sequence string `json:"sequence,omitempty"`
	// Finished says a closed shard was read to its end.
	Finished bool `json:"finished,omitempty"`
}

func (p *KinesisPoller) defaults() {
	if p.BatchSize <= 0 {
		p.BatchSize = 1000
	}
	if p.Idle <= 0 {
		p.Idle = time.Second
	}
	if p.Refresh <= 0 {
		p.Refresh = 30 * time.Second
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 30 * time.Second
	}
	if p.Log == nil {
		p.Log = slog.Default()
	}
}

// Load reads the checkpoint file (a missing one is an empty start). Run
// calls it; call it first to find a bad file before starting anything.
func (p *KinesisPoller) Load() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state = kinesisCheckpoints{Stream: p.Stream, Shards: map[string]*shardCheckpoint{}}
	b, err := os.ReadFile(p.Checkpoints)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kinesis %s: read checkpoints: %w", p.Stream, err)
	}
	if err := json.Unmarshal(b, &p.state); err != nil {
		return fmt.Errorf("kinesis %s: checkpoints %s: %w", p.Stream, p.Checkpoints, err)
	}
	if p.state.Stream != p.Stream {
		return fmt.Errorf("kinesis %s: checkpoints %s are of stream %q", p.Stream, p.Checkpoints, p.state.Stream)
	}
	if p.state.Shards == nil {
		p.state.Shards = map[string]*shardCheckpoint{}
	}
	return nil
}

// Checkpoint returns the position kept for a shard: the last sequence
// number done and whether the shard is finished.
func (p *KinesisPoller) Checkpoint(shard string) (sequence string, finished bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.state.Shards[shard]; c != nil {
		return c.Sequence, c.Finished
	}
	return "", false
}

// save records a shard's position durably: the file is replaced
// atomically (write, fsync, rename, fsync the directory).
func (p *KinesisPoller) save(shard, sequence string, finished bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.state.Shards[shard]
	if c == nil {
		c = &shardCheckpoint{}
		p.state.Shards[shard] = c
	}
	if sequence != "" {
		c.Sequence = sequence
	}
	c.Finished = c.Finished || finished
	b, err := json.MarshalIndent(&p.state, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(p.Checkpoints)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("kinesis %s: checkpoint: %w", p.Stream, err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(p.Checkpoints)+".*")
	if err != nil {
		return fmt.Errorf("kinesis %s: checkpoint: %w", p.Stream, err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p.Checkpoints)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("kinesis %s: checkpoint: %w", p.Stream, err)
	}
	return realtime.SyncDir(dir)
}

// Run polls until ctx ends; it returns nil then, or the error that stops
// it first (an unreadable checkpoint file).
func (p *KinesisPoller) Run(ctx context.Context) error {
	p.defaults()
	if p.Handler == nil || p.API == nil {
		return fmt.Errorf("kinesis %s: poller needs an API client and a handler", p.Stream)
	}
	if err := p.Load(); err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	running := map[string]bool{}
	ended := make(chan string, 16) // shards whose goroutine returned
	failures := 0
	for {
		shards, err := p.listShards(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			failures++
			p.Log.Error("kinesis: list shards failed; will retry", "stream", p.Stream, "err", err)
		default:
			failures = 0
			listed := map[string]bool{}
			for _, s := range shards {
				listed[aws.ToString(s.ShardId)] = true
			}
			for _, s := range shards {
				id := aws.ToString(s.ShardId)
				if running[id] || p.finished(id) || !p.parentsDone(s, listed) {
					continue
				}
				running[id] = true
				wg.Go(func() {
					defer func() { ended <- id }()
					p.readShard(ctx, id)
				})
			}
		}
		wait := p.Refresh
		if failures > 0 {
			wait = p.backoff(failures)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case id := <-ended:
			delete(running, id) // a shard finished: its children may start now
		case <-t.C:
		}
		t.Stop()
	}
}

func (p *KinesisPoller) finished(shard string) bool {
	_, done := p.Checkpoint(shard)
	return done
}

// parentsDone reports whether a shard's parents (still listed) are read to
// their end; a parent past retention is no longer listed and not waited for.
func (p *KinesisPoller) parentsDone(s types.Shard, listed map[string]bool) bool {
	for _, parent := range []*string{s.ParentShardId, s.AdjacentParentShardId} {
		if id := aws.ToString(parent); id != "" && listed[id] && !p.finished(id) {
			return false
		}
	}
	return true
}

func (p *KinesisPoller) listShards(ctx context.Context) ([]types.Shard, error) {
	var out []types.Shard
	in := &kinesis.ListShardsInput{StreamName: aws.String(p.Stream)}
	for {
		page, err := p.API.ListShards(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list shards of %s: %w", p.Stream, err)
		}
		out = append(out, page.Shards...)
		if page.NextToken == nil {
			return out, nil
		}
		in = &kinesis.ListShardsInput{NextToken: page.NextToken}
	}
}

// backoff is the pause after n failures in a row.
func (p *KinesisPoller) backoff(n int) time.Duration {
	d := p.Idle
	for i := 1; i < n && d < p.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, p.MaxBackoff)
}

func kinesisSleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// iterator returns a shard iterator after the shard's checkpoint.
func (p *KinesisPoller) iterator(ctx context.Context, shard string) (string, error) {
	in := &kinesis.GetShardIteratorInput{StreamName: aws.String(p.Stream), ShardId: aws.String(shard)}
	seq, _ := p.Checkpoint(shard)
	switch {
	case seq != "":
		in.ShardIteratorType = types.ShardIteratorTypeAfterSequenceNumber
		in.StartingSequenceNumber = aws.String(seq)
	case p.StartAtLatest:
		in.ShardIteratorType = types.ShardIteratorTypeLatest
	default:
		in.ShardIteratorType = types.ShardIteratorTypeTrimHorizon
	}
	out, err := p.API.GetShardIterator(ctx, in)
	if err != nil {
		return "", fmt.Errorf("shard iterator of %s/%s: %w", p.Stream, shard, err)
	}
	return aws.ToString(out.ShardIterator), nil
}

// readShard reads one shard until it is finished or ctx ends.
func (p *KinesisPoller) readShard(ctx context.Context, shard string) {
	log := p.Log.With("stream", p.Stream, "shard", shard)
	failures := 0
	pause := func(what string, err error) bool {
		failures++
		log.Error("kinesis: "+what+"; will retry", "attempt", failures, "err", err)
		return kinesisSleep(ctx, p.backoff(failures))
	}
	iter := ""
	for ctx.Err() == nil {
		if iter == "" {
			var err error
			if iter, err = p.iterator(ctx, shard); err != nil {
				if !pause("get shard iterator failed", err) {
					return
				}
				continue
			}
		}
		out, err := p.API.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(iter), Limit: aws.Int32(p.BatchSize)})
		if err != nil {
			var expired *types.ExpiredIteratorException
			if errors.As(err, &expired) {
				iter = "" // read again from the checkpoint
				continue
			}
			if ctx.Err() != nil || !pause("get records failed", err) {
				return
			}
			continue
		}
		failures = 0
		if !p.hand(ctx, log, shard, out.Records) {
			return
		}
		if out.NextShardIterator == nil {
			for ctx.Err() == nil {
				if err := p.save(shard, "", true); err == nil {
					log.Info("kinesis: shard finished")
					return
				} else if !pause("checkpoint failed", err) {
					return
				}
			}
			return
		}
		iter = aws.ToString(out.NextShardIterator)
		if len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0 {
			if !kinesisSleep(ctx, p.Idle) {
				return
			}
		}
	}
}

// hand gives records to the handler until all are done and checkpointed;
// false means ctx ended first.
func (p *KinesisPoller) hand(ctx context.Context, log *slog.Logger, shard string, recs []types.Record) bool {
	failures := 0
	for len(recs) > 0 {
		done, err := p.Handler(ctx, shard, recs)
		done = max(0, min(done, len(recs)))
		if done > 0 {
			seq := aws.ToString(recs[done-1].SequenceNumber)
			for {
				serr := p.save(shard, seq, false)
				if serr == nil {
					break
				}
				failures++
				log.Error("kinesis: checkpoint failed; will retry", "attempt", failures, "err", serr)
				if !kinesisSleep(ctx, p.backoff(failures)) {
					return false
				}
			}
			recs = recs[done:]
		}
		if len(recs) == 0 {
			return true
		}
		if err == nil {
			err = fmt.Errorf("handler took %d of %d records", done, done+len(recs))
		}
		if ctx.Err() != nil {
			return false
		}
		failures++
		log.Error("kinesis: records failed; retrying from the first failed one", "sequence", aws.ToString(recs[0].SequenceNumber),
			"attempt", failures, "err", err)
		if !kinesisSleep(ctx, p.backoff(failures)) {
			return false
		}
	}
	return true
}
