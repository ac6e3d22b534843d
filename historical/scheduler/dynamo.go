package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoAPI is the part of the DynamoDB client the DynamoStore calls.
type DynamoAPI interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

var _ DynamoAPI = (*dynamodb.Client)(nil)

// DynamoKeepRuns is how many of a hunt's latest runs a DynamoStore keeps
// (its item must stay under DynamoDB's 400 KB); the schedule's state is
// kept whole beside them.
const DynamoKeepRuns = 48

// maxErrorText bounds the error text of a run kept in DynamoDB.
const maxErrorText = 2000

// DynamoStore keeps the runs of each hunt in one item of a DynamoDB table
// whose hash key is the string "id" (the alert table: the item's id is
// hunt#<name>, its kind "hunt", and it has no status, so no alert query
// sees it). The item holds the schedule's state, the latest runs and a
// version; every write is conditional on the version this store read when
// it last computed the hunt's due windows, so of two invocations that
// raced over the same window only the first records it (the second gets
// ErrConflict), and an invocation that died before recording leaves the
// window due for the retry.
type DynamoStore struct {
	client DynamoAPI
	table  string

	mu   sync.Mutex
	seen map[string]int64 // hunt → the version state() read
}

var _ RunStore = (*DynamoStore)(nil)

// NewDynamoStore returns the store in table.
func NewDynamoStore(client DynamoAPI, table string) *DynamoStore {
	return &DynamoStore{client: client, table: table, seen: map[string]int64{}}
}

// DynamoItemID is the id of a hunt's item.
func DynamoItemID(hunt string) string { return "hunt#" + hunt }

// dynamoState is the schedule's state as stored.
type dynamoState struct {
	LastEnd  time.Time     `json:"last_end"`
	First    time.Time     `json:"first"`
	Attempts map[int64]int `json:"attempts,omitempty"`
}

// dynamoItem is a hunt's item read back.
type dynamoItem struct {
	version int64
	st      state
	runs    []Run
}

func (s *DynamoStore) get(ctx context.Context, hunt string) (dynamoItem, error) {
	it := dynamoItem{st: newState()}
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: DynamoItemID(hunt)}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return it, fmt.Errorf("hunt runs: read %s from %s: %w", hunt, s.table, err)
	}
	if out.Item == nil {
		return it, nil
	}
	bad := func(attr string, err error) error {
		return fmt.Errorf("hunt runs: item %s of %s: attribute %s: %w", DynamoItemID(hunt), s.table, attr, err)
	}
	v, ok := out.Item["version"].(*types.AttributeValueMemberN)
	if !ok {
		return it, bad("version", errors.New("missing or not a number"))
	}
	if it.version, err = strconv.ParseInt(v.Value, 10, 64); err != nil {
		return it, bad("version", err)
	}
	stText, ok := out.Item["state"].(*types.AttributeValueMemberS)
	if !ok {
		return it, bad("state", errors.New("missing or not a string"))
	}
	var ds dynamoState
	if err := json.Unmarshal([]byte(stText.Value), &ds); err != nil {
		return it, bad("state", err)
	}
	it.st.lastEnd, it.st.first = ds.LastEnd, ds.First
	for k, n := range ds.Attempts {
		it.st.attempts[k] = n
	}
	if runs, ok := out.Item["runs"].(*types.AttributeValueMemberS); ok {
		if err := json.Unmarshal([]byte(runs.Value), &it.runs); err != nil {
			return it, bad("runs", err)
		}
	}
	return it, nil
}

// state reads a hunt's state and remembers its version for the next Record.
func (s *DynamoStore) state(ctx context.Context, hunt string) (state, error) {
	it, err := s.get(ctx, hunt)
	if err != nil {
		return it.st.resumed(), err
	}
	s.mu.Lock()
	s.seen[hunt] = it.version
	s.mu.Unlock()
	return it.st.resumed(), nil
}

// Runs returns the latest runs of a hunt (at most DynamoKeepRuns).
func (s *DynamoStore) Runs(ctx context.Context, hunt string) ([]Run, error) {
	it, err := s.get(ctx, hunt)
	return it.runs, err
}

// Record adds a run to the hunt's item if the item is still at the version
// read by the last state(); a manual run (not part of the schedule) is
// added to whatever version is current.
func (s *DynamoStore) Record(ctx context.Context, r Run) error {
	s.mu.Lock()
	want, seen := s.seen[r.Hunt]
	s.mu.Unlock()
	for tries := 0; ; tries++ {
		it, err := s.get(ctx, r.Hunt)
		if err != nil {
			return err
		}
		if r.Manual || !seen {
			want = it.version
		}
		if it.version != want {
			return fmt.Errorf("hunt runs: %s: window %s–%s: version %d, read %d: %w", r.Hunt,
				r.WindowStart.Format(time.RFC3339), r.WindowEnd.Format(time.RFC3339), it.version, want, ErrConflict)
		}
		err = s.put(ctx, it, r)
		if err == nil {
			if seen && !r.Manual {
				s.mu.Lock()
				s.seen[r.Hunt] = want + 1
				s.mu.Unlock()
			}
			return nil
		}
		if !errors.Is(err, ErrConflict) || (seen && !r.Manual) || tries >= 3 {
			return err
		}
	}
}

// put writes the item with r added, on condition that it is still at
// it.version.
func (s *DynamoStore) put(ctx context.Context, it dynamoItem, r Run) error {
	if len(r.Error) > maxErrorText {
		r.Error = r.Error[:maxErrorText] + "…"
	}
	st := it.st
	st.add(&r)
	runs := append(it.runs, r)
	if len(runs) > DynamoKeepRuns {
		runs = runs[len(runs)-DynamoKeepRuns:]
	}
	stText, err := json.Marshal(dynamoState{LastEnd: st.lastEnd, First: st.first, Attempts: st.attempts})
	if err != nil {
		return fmt.Errorf("hunt runs: %s: %w", r.Hunt, err)
	}
	runsText, err := json.Marshal(runs)
	if err != nil {
		return fmt.Errorf("hunt runs: %s: %w", r.Hunt, err)
	}
	in := &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"id":      &types.AttributeValueMemberS{Value: DynamoItemID(r.Hunt)},
			"kind":    &types.AttributeValueMemberS{Value: "hunt"},
			"version": &types.AttributeValueMemberN{Value: strconv.FormatInt(it.version+1, 10)},
			"state":   &types.AttributeValueMemberS{Value: string(stText)},
			"runs":    &types.AttributeValueMemberS{Value: string(runsText)},
		},
	}
	if it.version == 0 {
		in.ConditionExpression = aws.String("attribute_not_exists(id)")
	} else {
		in.ConditionExpression = aws.String("version = :v")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.FormatInt(it.version, 10)}}
	}
	_, err = s.client.PutItem(ctx, in)
	var cf *types.ConditionalCheckFailedException
	if errors.As(err, &cf) {
		return fmt.Errorf("hunt runs: %s: window %s–%s: the item moved past version %d: %w", r.Hunt,
			r.WindowStart.Format(time.RFC3339), r.WindowEnd.Format(time.RFC3339), it.version, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("hunt runs: write %s to %s: %w", r.Hunt, s.table, err)
	}
	return nil
}
