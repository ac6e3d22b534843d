package alerts

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// operations records the DynamoDB operations a client sends.
type operations struct {
	mu  sync.Mutex
	ops map[string]int
}

func (o *operations) add(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("recordOperation",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			o.mu.Lock()
			o.ops[awsmiddleware.GetOperationName(ctx)]++
			o.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
}

func (o *operations) count(op string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.ops[op]
}

// openRecordedDynamo is openTestDynamo with the operations recorded.
func openRecordedDynamo(t *testing.T) (*DynamoStore, *operations) {
	t.Helper()
	url := startDynalite(t)
	rec := &operations{ops: map[string]int{}}
	cfg, _ := testAWS(context.Background(), "")
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(url)
		o.APIOptions = append(o.APIOptions, rec.add)
	})
	tableSeq++
	table := fmt.Sprintf("alerts_%d", tableSeq)
	if err := CreateDynamoTable(context.Background(), client, table); err != nil {
		t.Fatal(err)
	}
	return NewDynamoStore(client, table), rec
}

// TestDynamoStore_RulesReadByIndexNeverScan: the alerts function reads
// rule states at every invocation; that must cost a query of the rule
// states, not a Scan of every alert in the table.
func TestDynamoStore_RulesReadByIndexNeverScan(t *testing.T) {
	ctx := context.Background()
	store, rec := openRecordedDynamo(t)
	clock := newFakeClock(t0)
	staged := RuleInfo{Name: "staged_rule", Staged: true, Outputs: []string{"rec:out"}}
	live := RuleInfo{Name: "live_rule", Outputs: []string{"rec:out"}}
	var ms []Match
	for i := range 30 {
		r := live
		if i%3 == 0 {
			r = staged
		}
		ms = append(ms, match(r, recID(i), t0.Add(time.Duration(i)*time.Second), map[string]any{"n": i}))
	}
	mustProcess(t, newTestProcessor(t, store, clock, nil), ms...)
	for i := range 150 {
		if err := store.PutRule(ctx, RuleState{Rule: "r" + strconv.Itoa(i), Staged: i%2 == 0, StagedAlerts: i}); err != nil {
			t.Fatal(err)
		}
	}
	states, err := store.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]RuleState{}
	for _, st := range states {
		byName[st.Rule] = st
	}
	// 150 written here (more than one BatchGetItem) plus the staged rule's.
	if len(states) != 151 || byName["r149"].StagedAlerts != 149 || !byName["staged_rule"].Staged {
		t.Fatalf("read %d rule states back: r149 %+v, staged_rule %+v", len(states), byName["r149"], byName["staged_rule"])
	}
	// A fresh processor (the next invocation) loads the states and ticks;
	// the dispatcher delivers.
	p := newTestProcessor(t, store, clock, nil)
	mustTick(t, p)
	if _, err := newTestDispatcher(t, store, clock, newRecorder("rec:out")).DispatchDue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := rec.count("Scan"); n != 0 {
		t.Errorf("%d Scan requests; rule states and alerts must be read by key or index", n)
	}
	if rec.count("Query") == 0 || rec.count("BatchGetItem") == 0 {
		t.Errorf("operations %v: Rules should query the index and read by key", rec.ops)
	}
	// Rule states never show up as alerts of any status.
	all, err := store.List(ctx, Filter{Status: []Status{StatusPending, StatusDelivered, StatusStaged, StatusFailed, StatusMerging, StatusMerged, StatusSuppressed}})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 30 {
		t.Errorf("%d alerts listed, want the 30 inserted", len(all))
	}
}

func TestDynamoStore_ClosedAlertsExpire(t *testing.T) {
	ctx := context.Background()
	store, _ := openRecordedDynamo(t)
	clock := newFakeClock(t0)
	out := newRecorder("rec:out")
	rule := RuleInfo{Name: "r", Outputs: []string{"rec:out"}}
	mustProcess(t, newTestProcessor(t, store, clock, nil), match(rule, recID(1), t0, map[string]any{"n": 1}))
	pending, err := store.List(ctx, Filter{Status: []Status{StatusPending}})
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending %v %v", pending, err)
	}
	id := pending[0].ID
	expires := func() types.AttributeValue {
		item, err := store.getItem(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return item["expires"]
	}
	if e := expires(); e != nil {
		t.Fatalf("a pending alert has expires %v", e)
	}
	if r, err := newTestDispatcher(t, store, clock, out).DispatchDue(ctx); err != nil || r.Delivered != 1 {
		t.Fatalf("dispatch %+v %v", r, err)
	}
	e, ok := expires().(*types.AttributeValueMemberN)
	if !ok {
		t.Fatal("a delivered alert has no expires attribute")
	}
	at, _ := strconv.ParseInt(e.Value, 10, 64)
	if d := time.Until(time.Unix(at, 0)); d < dynamoClosedTTL-time.Hour || d > dynamoClosedTTL+time.Hour {
		t.Errorf("expires in %v, want about %v", d, dynamoClosedTTL)
	}
}
