package realtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// LakeCommitter is a Lake that writes its buffered rows out only when told,
// tagging the files of each write-out with the ingest log position it
// covers. That is what makes replay after a crash exact: see Runner.
type LakeCommitter interface {
	Lake
	// Buffered reports the bytes waiting to be written.
	Buffered() int64
	// Commit writes out every buffered row; the files' names carry tag.
	Commit(ctx context.Context, tag uint64) error
	// Committed reports, for every tag above after found on files in the
	// lake, the tables that have files with that tag.
	Committed(ctx context.Context, after uint64) (map[uint64]map[string]bool, error)
}

// RunnerConfig configures a Runner.
type RunnerConfig struct {
	Pipeline *Pipeline
	Log      *IngestLog
	Lake     LakeCommitter
	// Workers classify in parallel (default 2).
	Workers int
	// CommitInterval and CommitBytes bound how long and how much the lake
	// buffers before a commit (Firehose's buffering hints).
	CommitInterval time.Duration
	CommitBytes    int64
	// MaxPending and MaxPendingBytes bound the batches (and their bytes)
	// accepted but not yet processed; past either Submit refuses with
	// ErrBusy (the HTTP answer is 429 with Retry-After), so memory stays
	// bounded when the pipeline falls behind.
	MaxPending      int
	MaxPendingBytes int64
	Logger          *slog.Logger
}

// ErrBusy is returned by Submit when the pipeline is too far behind.
var ErrBusy = errors.New("pipeline is behind; retry later")

// Runner drives batches from the ingest log through the pipeline.
//
// Exactly-once into the lake: batches are appended to the ingest log
// (durable) before they are acknowledged, then handed to workers in seq
// order. A commit stops the workers at a batch boundary, so that every
// batch up to the watermark W is fully processed and none after it is
// started; it writes all buffered rows to files tagged W and then
// checkpoints the log at W. A crash before the files are written replays
// the batches after the last checkpoint into empty buffers; a crash between
// the files and the checkpoint is seen at start as files tagged W above the
// checkpoint, and the replay of batches up to W skips exactly the tables
// that have such files. Alerts need no such care: their ids are stable and
// the store ignores ids it has.
type Runner struct {
	cfg RunnerConfig
	log *slog.Logger

	mu       sync.Mutex
	cond     *sync.Cond
	pending  map[uint64]Batch // appended, not yet handed out
	next     uint64           // next seq to hand out
	inflight int
	bytes    int64           // payload bytes of pending and in-flight batches
	done     map[uint64]bool // processed above the watermark
	water    uint64          // every seq ≤ water is processed
	closing  bool
	pausing  int // commits waiting for in-flight batches or running: nothing is handed out

	commitMu sync.Mutex // one commit at a time

	afterProcess func(seq uint64) // tests: runs after a batch is processed, before it counts as done

	work chan Batch
	wg   sync.WaitGroup
	stop chan struct{}
	errs chan error
}

// NewRunner replays what the ingest log holds past its checkpoint, commits
// it, and returns a runner ready for Start.
func NewRunner(ctx context.Context, cfg RunnerConfig) (*Runner, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.CommitInterval <= 0 {
		cfg.CommitInterval = 60 * time.Second
	}
	if cfg.CommitBytes <= 0 {
		cfg.CommitBytes = 64 << 20
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 4096
	}
	if cfg.MaxPendingBytes <= 0 {
		cfg.MaxPendingBytes = 256 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	r := &Runner{cfg: cfg, log: cfg.Logger, pending: map[uint64]Batch{}, done: map[uint64]bool{},
		work: make(chan Batch), stop: make(chan struct{}), errs: make(chan error, 1)}
	r.cond = sync.NewCond(&r.mu)
	if err := r.recover(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// recover replays the batches past the checkpoint and commits them.
func (r *Runner) recover(ctx context.Context) error {
	ck := r.cfg.Log.Checkpointed()
	tags, err := r.cfg.Lake.Committed(ctx, ck)
	if err != nil {
		return fmt.Errorf("recover: %w", err)
	}
	// At most one commit can have been cut short; take the highest tag.
	var cut uint64
	for t := range tags {
		cut = max(cut, t)
	}
	w := r.cfg.Pipeline.NewWorker()
	var last uint64 = ck
	replayed := 0
	err = r.cfg.Log.Replay(func(b Batch) error {
		var skip SkipLake
		if b.Seq <= cut {
			skip = func(table string) bool { return tags[cut][table] }
		}
		if _, err := w.Process(ctx, b, skip); err != nil {
			return fmt.Errorf("replay batch %d: %w", b.Seq, err)
		}
		last = b.Seq
		replayed++
		return nil
	})
	if err != nil {
		return err
	}
	if replayed > 0 || cut > ck {
		last = max(last, cut)
		if err := r.cfg.Lake.Commit(ctx, last); err != nil {
			return fmt.Errorf("recover: commit: %w", err)
		}
		if err := r.cfg.Log.Checkpoint(last); err != nil {
			return err
		}
		r.log.Info("replayed ingest log", "batches", replayed, "through", last)
	}
	r.water = last
	r.next = last + 1
	return nil
}

// Start runs the workers and the commit timer until Close.
func (r *Runner) Start(ctx context.Context) {
	r.wg.Add(1)
	go r.dispatch()
	for i := 0; i < r.cfg.Workers; i++ {
		r.wg.Add(1)
		go r.worker(ctx)
	}
	r.wg.Add(1)
	go r.commitLoop(ctx)
}

// Submit appends a batch to the ingest log (durably) and queues it. When it
// returns nil the batch is acknowledged: it will be processed even after a
// crash.
func (r *Runner) Submit(source string, received time.Time, payload []byte) (uint64, error) {
	return r.SubmitBatches([]Batch{{Source: source, Received: received, Payload: payload}})
}

// SubmitBatches is Submit for several batches at once: they are appended
// in order with one fsync (IngestLog.AppendBatches), all or none, and get
// consecutive seqs from the one returned. Their Seq fields are ignored.
func (r *Runner) SubmitBatches(bs []Batch) (uint64, error) {
	var size int64
	for _, b := range bs {
		size += int64(len(b.Payload))
	}
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		return 0, errors.New("shutting down")
	}
	queued := len(r.pending) + r.inflight
	if queued+len(bs) > r.cfg.MaxPending && queued > 0 || r.bytes+size > r.cfg.MaxPendingBytes && r.bytes > 0 {
		r.mu.Unlock()
		return 0, ErrBusy
	}
	r.bytes += size // reserved before the append, so racing submits see it
	r.mu.Unlock()
	first, err := r.cfg.Log.AppendBatches(bs)
	if err != nil {
		r.mu.Lock()
		r.bytes -= size
		r.mu.Unlock()
		return 0, err
	}
	r.mu.Lock()
	for i, b := range bs {
		b.Seq = first + uint64(i)
		r.pending[b.Seq] = b
	}
	r.cond.Broadcast()
	r.mu.Unlock()
	return first, nil
}

// Cursor is the ingest log's last stored value of a cursor key
// (IngestLog.Cursor).
func (r *Runner) Cursor(key string) (string, bool) { return r.cfg.Log.Cursor(key) }

// Degraded reports the ingest log's last write failure (and when it
// happened) while no write has succeeded since; nil when healthy.
func (r *Runner) Degraded() (since time.Time, err error) { return r.cfg.Log.Degraded() }

// Depth is the number of batches accepted and not yet processed.
func (r *Runner) Depth() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending) + r.inflight
}

// dispatch hands batches to workers strictly in seq order.
func (r *Runner) dispatch() {
	defer r.wg.Done()
	defer close(r.work)
	for {
		r.mu.Lock()
		for (r.pending[r.next].Seq == 0 || r.pausing > 0) && !(r.closing && len(r.pending) == 0) {
			r.cond.Wait()
		}
		b, ok := r.pending[r.next]
		if !ok {
			r.mu.Unlock()
			return // closing and drained
		}
		delete(r.pending, r.next)
		r.next++
		r.inflight++
		r.mu.Unlock()
		r.work <- b
	}
}

func (r *Runner) worker(ctx context.Context) {
	defer r.wg.Done()
	w := r.cfg.Pipeline.NewWorker()
	for b := range r.work {
		_, err := w.Process(ctx, b, nil)
		for attempt := 1; err != nil; attempt++ {
			// The batch is in the ingest log: never drop it. A failing
			// alert store is retried (its matches only: the records are in
			// the lake's buffers already) until it recovers. Any other
			// failure retries the whole batch.
			r.log.Error("batch failed; retrying", "seq", b.Seq, "attempt", attempt, "err", err)
			select {
			case <-time.After(min(time.Duration(attempt)*time.Second, 30*time.Second)):
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				break
			}
			if errors.Is(err, ErrAlerts) {
				_, err = w.RetryAlerts(ctx)
			} else {
				_, err = w.Process(ctx, b, nil)
			}
		}
		if r.afterProcess != nil {
			r.afterProcess(b.Seq)
		}
		r.mu.Lock()
		r.inflight--
		r.bytes -= int64(len(b.Payload))
		r.done[b.Seq] = true
		for r.done[r.water+1] {
			delete(r.done, r.water+1)
			r.water++
		}
		r.cond.Broadcast()
		r.mu.Unlock()
	}
}

func (r *Runner) commitLoop(ctx context.Context) {
	defer r.wg.Done()
	tick := time.NewTicker(min(r.cfg.CommitInterval, time.Second))
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-r.stop:
			return
		case <-tick.C:
		}
		if time.Since(last) < r.cfg.CommitInterval && r.cfg.Lake.Buffered() < r.cfg.CommitBytes {
			continue
		}
		if err := r.Commit(ctx); err != nil {
			r.log.Error("lake commit failed; will retry", "err", err)
			continue
		}
		last = time.Now()
	}
}

// Commit writes the lake's buffers out and checkpoints the ingest log.
//
// The files of a commit are tagged with the water mark, and a replay after
// a crash skips what the tag covers, so the buffers must hold exactly the
// batches up to it: none beyond. Workers finish batches out of order (one
// can be done while an earlier one is still being handed out), so a commit
// stops the handing out of batches and waits until none is in flight;
// then every batch handed out is done and the water mark is the last.
func (r *Runner) Commit(ctx context.Context) error {
	r.commitMu.Lock()
	defer r.commitMu.Unlock()
	w := r.pause()
	defer r.resume()
	if err := r.cfg.Lake.Commit(ctx, w); err != nil {
		return err
	}
	return r.cfg.Log.Checkpoint(w)
}

// pause stops handing out batches, waits until none is in flight and
// returns the water mark. resume undoes it.
func (r *Runner) pause() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pausing++
	for r.inflight > 0 {
		r.cond.Wait()
	}
	return r.water
}

func (r *Runner) resume() {
	r.mu.Lock()
	r.pausing--
	r.cond.Broadcast()
	r.mu.Unlock()
}

// Drain waits until every batch submitted so far is processed.
func (r *Runner) Drain() {
	r.mu.Lock()
	target := r.next - 1
	for seq := range r.pending {
		target = max(target, seq)
	}
	for r.water < target {
		r.cond.Wait()
	}
	r.mu.Unlock()
}

// Close stops accepting batches, processes what was accepted, commits and
// stops the workers.
func (r *Runner) Close(ctx context.Context) error {
	r.mu.Lock()
	r.closing = true
	r.cond.Broadcast()
	r.mu.Unlock()
	close(r.stop)
	r.wg.Wait()
	return r.Commit(ctx)
}
