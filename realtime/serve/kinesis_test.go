package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// fakeKinesis is an in-memory stream for the poller's unit tests.
type fakeKinesis struct {
	mu      sync.Mutex
	shards  []*fakeShard
	expired map[string]bool // shards whose next GetRecords answers ExpiredIteratorException
}

type fakeShard struct {
	id, parent string
	records    [][]byte
	closed     bool
}

func seqOf(shard string, i int) string { return fmt.Sprintf("%s-%05d", shard, i) }

func (f *fakeKinesis) shard(id string) *fakeShard {
	for _, s := range f.shards {
		if s.id == id {
			return s
		}
	}
	return nil
}

func (f *fakeKinesis) add(shard string, data ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.shard(shard)
	for _, d := range data {
		s.records = append(s.records, []byte(d))
	}
}

func (f *fakeKinesis) ListShards(_ context.Context, in *kinesis.ListShardsInput, _ ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &kinesis.ListShardsOutput{}
	for _, s := range f.shards {
		sh := types.Shard{ShardId: aws.String(s.id)}
		if s.parent != "" {
			sh.ParentShardId = aws.String(s.parent)
		}
		out.Shards = append(out.Shards, sh)
	}
	return out, nil
}

func (f *fakeKinesis) GetShardIterator(_ context.Context, in *kinesis.GetShardIteratorInput, _ ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.shard(aws.ToString(in.ShardId))
	pos := 0
	switch in.ShardIteratorType {
	case types.ShardIteratorTypeAfterSequenceNumber:
		seq := aws.ToString(in.StartingSequenceNumber)
		n, err := strconv.Atoi(seq[strings.LastIndexByte(seq, '-')+1:])
		if err != nil {
			return nil, err
		}
		pos = n + 1
	case types.ShardIteratorTypeLatest:
		pos = len(s.records)
	}
	return &kinesis.GetShardIteratorOutput{ShardIterator: aws.String(fmt.Sprintf("%s|%d", s.id, pos))}, nil
}

func (f *fakeKinesis) GetRecords(_ context.Context, in *kinesis.GetRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, p, _ := strings.Cut(aws.ToString(in.ShardIterator), "|")
	if f.expired[id] {
		delete(f.expired, id)
		return nil, &types.ExpiredIteratorException{Message: aws.String("Iterator expired")}
	}
	pos, _ := strconv.Atoi(p)
	s := f.shard(id)
	end := min(len(s.records), pos+int(aws.ToInt32(in.Limit)))
	out := &kinesis.GetRecordsOutput{MillisBehindLatest: aws.Int64(int64(len(s.records) - end))}
	for i := pos; i < end; i++ {
		out.Records = append(out.Records, types.Record{Data: s.records[i], SequenceNumber: aws.String(seqOf(id, i)), PartitionKey: aws.String("pk")})
	}
	if !s.closed || end < len(s.records) {
		out.NextShardIterator = aws.String(fmt.Sprintf("%s|%d", id, end))
	}
	return out, nil
}

// handled records what a poller's handler was given and took.
type handled struct {
	mu   sync.Mutex
	done []string // shard/data of the records taken, in order
	// failAt, when set, fails the batch at the record with this data once.
	failAt map[string]bool
}

func (h *handled) handler(ctx context.Context, shard string, recs []types.Record) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, r := range recs {
		if h.failAt[string(r.Data)] {
			delete(h.failAt, string(r.Data))
			return i, errors.New("a delivery failed")
		}
		h.done = append(h.done, shard+"/"+string(r.Data))
	}
	return len(recs), nil
}

func (h *handled) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.done)
}

func runPoller(t *testing.T, p *KinesisPoller, until func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- p.Run(ctx) }()
	waitFor(t, "the poller", until)
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// TestKinesisPoller_ParentsFirstRetriesAndResumes: a closed parent shard
// is read to its end before its children; a failed record and those after
// it are handed over again; an expired iterator is replaced; a new poller
// on the same checkpoints takes only what came since.
func TestKinesisPoller_ParentsFirstRetriesAndResumes(t *testing.T) {
	api := &fakeKinesis{expired: map[string]bool{"x": true}, shards: []*fakeShard{
		{id: "p", closed: true}, {id: "c1", parent: "p"}, {id: "c2", parent: "p"}, {id: "x"},
	}}
	api.add("p", "p0", "p1", "p2", "p3", "p4")
	api.add("c1", "a0", "a1", "a2")
	api.add("c2", "b0", "b1", "b2")
	api.add("x", "x0", "x1")
	h := &handled{failAt: map[string]bool{"p2": true, "a1": true}}
	file := filepath.Join(t.TempDir(), "kinesis", "src.json")
	newPoller := func() *KinesisPoller {
		return &KinesisPoller{API: api, Stream: "s", Checkpoints: file, Handler: h.handler, BatchSize: 2,
			Idle: time.Millisecond, Refresh: 5 * time.Millisecond, MaxBackoff: 5 * time.Millisecond, Log: quietLog}
	}
	runPoller(t, newPoller(), func() bool { return len(h.list()) >= 13 })
	got := h.list()
	if len(got) != 13 {
		t.Fatalf("handled %v, want each of the 13 records once", got)
	}
	seen := map[string]int{}
	lastParent, firstChild := -1, len(got)
	for i, r := range got {
		seen[r]++
		if strings.HasPrefix(r, "p/") {
			lastParent = i
		}
		if strings.HasPrefix(r, "c1/") || strings.HasPrefix(r, "c2/") {
			firstChild = min(firstChild, i)
		}
	}
	if len(seen) != 13 || lastParent > firstChild {
		t.Errorf("handled %v: want each once, the parent's before its children's", got)
	}
	for shard, want := range map[string][]string{"p": {"p0", "p1", "p2", "p3", "p4"}, "c1": {"a0", "a1", "a2"}} {
		var order []string
		for _, r := range got {
			if s, d, _ := strings.Cut(r, "/"); s == shard {
				order = append(order, d)
			}
		}
		if !slices.Equal(order, want) {
			t.Errorf("shard %s handled in order %v, want %v", shard, order, want)
		}
	}

	var ck kinesisCheckpoints
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ck); err != nil {
		t.Fatal(err)
	}
	if !ck.Shards["p"].Finished || ck.Shards["c1"].Sequence != seqOf("c1", 2) || ck.Shards["x"].Sequence != seqOf("x", 1) {
		t.Errorf("checkpoints %s", b)
	}

	api.add("c1", "a3", "a4")
	runPoller(t, newPoller(), func() bool { return len(h.list()) >= 15 })
	if got := h.list()[13:]; !slices.Equal(got, []string{"c1/a3", "c1/a4"}) {
		t.Errorf("after a restart handled %v, want only the new records", got)
	}
}

func TestKinesisPoller_BadCheckpoints(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"garbage.json": "{", "other.json": `{"stream":"other","shards":{}}`} {
		p := &KinesisPoller{Stream: "s", Checkpoints: filepath.Join(dir, name)}
		os.WriteFile(p.Checkpoints, []byte(body), 0o600)
		if err := p.Load(); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}
