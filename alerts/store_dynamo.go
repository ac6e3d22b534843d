package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoStore is the alert store of the aws deployment: one DynamoDB
// table, whose stream triggers the alerts Lambda.
//
// Items: alerts have id (the alert id), kind "alert", status, due (next
// attempt or creation, nanoseconds), rule, created (nanoseconds), version
// (optimistic locking) and body (the alert JSON, as the embedded store
// keeps it). Rule staging states have id "rule#NAME", kind "rule", body,
// status "#rule" and due 0, so that Rules finds them in by_status without
// a Scan. Global secondary indexes: by_status (status, due) and by_rule
// (rule, created), both projecting all attributes; rule states stay out of
// by_rule. CreateDynamoTable makes this table; Terraform
// must make the same.
//
// Unlike BoltStore, Modify and Mark are atomic per alert, not per call:
// each alert is a conditional write on its version, redone on a conflict. An alert must stay under DynamoDB's 400 KB item limit.
type DynamoStore struct {
	client *dynamodb.Client
	table  string
}

// NewDynamoStore returns a store over an existing table.
func NewDynamoStore(client *dynamodb.Client, table string) *DynamoStore {
	return &DynamoStore{client: client, table: table}
}

const (
	dynamoStatusIndex = "by_status"
	dynamoRuleIndex   = "by_rule"
	dynamoBatchGet    = 100 // BatchGetItem's limit
	// dynamoRuleStatus is the by_status key of rule states: no alert
	// status starts with #, so they never mix with alerts there.
	dynamoRuleStatus = "#rule"
	dynamoRetries    = 5
)

// DynamoTableDefinition is the alert table as CreateDynamoTable creates it:
// the keys, indexes, billing and stream the store relies on. Terraform's
// alerts module makes the same table (a test in terraform/ compares them).
func DynamoTableDefinition(table string) *dynamodb.CreateTableInput {
	str := func(s string) *string { return aws.String(s) }
	gsi := func(name, hash, rangeKey string) types.GlobalSecondaryIndex {
		return types.GlobalSecondaryIndex{
			IndexName: str(name),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: str(hash), KeyType: types.KeyTypeHash},
				{AttributeName: str(rangeKey), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}
	}
	return &dynamodb.CreateTableInput{
		TableName: str(table),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: str("id"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: str("status"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: str("due"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: str("rule"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: str("created"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema:              []types.KeySchemaElement{{AttributeName: str("id"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{gsi(dynamoStatusIndex, "status", "due"), gsi(dynamoRuleIndex, "rule", "created")},
		BillingMode:            types.BillingModePayPerRequest,
		StreamSpecification:    &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage},
	}
}

// CreateDynamoTable creates the alert table with its indexes (on demand
// billing) and waits until it is active.
func CreateDynamoTable(ctx context.Context, client *dynamodb.Client, table string) error {
	_, err := client.CreateTable(ctx, DynamoTableDefinition(table))
	if err != nil {
		return fmt.Errorf("create alert table %s: %w", table, err)
	}
	w := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 2*time.Minute); err != nil {
		return fmt.Errorf("create alert table %s: %w", table, err)
	}
	return nil
}

func nanos(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

func attrS(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func attrN(s string) types.AttributeValue { return &types.AttributeValueMemberN{Value: s} }

// dynamoClosedTTL is how long a closed alert (delivered, merged into
// another, suppressed) stays in the table once closed: the table's TTL
// deletes it after that, from the expires attribute (epoch seconds). The
// lake's alerts table keeps every alert for good.
const dynamoClosedTTL = 90 * 24 * time.Hour

func alertItem(a *Alert, version int) (map[string]types.AttributeValue, error) {
	body, err := encodeAlert(a)
	if err != nil {
		return nil, err
	}
	item := map[string]types.AttributeValue{
		"id":      attrS(a.ID),
		"kind":    attrS("alert"),
		"status":  attrS(string(a.Status)),
		"due":     attrN(nanos(a.due())),
		"rule":    attrS(a.Rule),
		"created": attrN(nanos(a.Created)),
		"version": attrN(strconv.Itoa(version)),
		"body":    attrS(string(body)),
	}
	switch a.Status {
	case StatusDelivered, StatusMerged, StatusSuppressed:
		item["expires"] = attrN(strconv.FormatInt(time.Now().Add(dynamoClosedTTL).Unix(), 10))
	}
	return item, nil
}

// itemAlert decodes an alert item and its version.
func itemAlert(item map[string]types.AttributeValue) (*Alert, int, error) {
	body, ok := item["body"].(*types.AttributeValueMemberS)
	if !ok {
		return nil, 0, errors.New("alert item without body")
	}
	a, err := decodeAlert([]byte(body.Value))
	if err != nil {
		return nil, 0, err
	}
	v := 0
	if n, ok := item["version"].(*types.AttributeValueMemberN); ok {
		v, _ = strconv.Atoi(n.Value)
	}
	return a, v, nil
}

func isConditionFailed(err error) bool {
	var cf *types.ConditionalCheckFailedException
	return errors.As(err, &cf)
}

// Insert implements Store.
func (s *DynamoStore) Insert(ctx context.Context, alerts []*Alert) ([]bool, error) {
	added := make([]bool, len(alerts))
	for i, a := range alerts {
		item, err := alertItem(a, 1)
		if err != nil {
			return nil, err
		}
		_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:           aws.String(s.table),
			Item:                item,
			ConditionExpression: aws.String("attribute_not_exists(id)"),
		})
		switch {
		case err == nil:
			added[i] = true
		case isConditionFailed(err):
		default:
			return nil, fmt.Errorf("insert alert %s into %s: %w", a.ID, s.table, err)
		}
	}
	return added, nil
}

// Has implements Store.
func (s *DynamoStore) Has(ctx context.Context, ids []string) ([]bool, error) {
	found := map[string]bool{}
	for start := 0; start < len(ids); start += dynamoBatchGet {
		var keys []map[string]types.AttributeValue
		seen := map[string]bool{}
		for _, id := range ids[start:min(start+dynamoBatchGet, len(ids))] {
			if !seen[id] {
				seen[id] = true
				keys = append(keys, map[string]types.AttributeValue{"id": attrS(id)})
			}
		}
		req := map[string]types.KeysAndAttributes{s.table: {Keys: keys, ProjectionExpression: aws.String("id"), ConsistentRead: aws.Bool(true)}}
		for tries := 0; len(req) > 0; tries++ {
			if tries > 10 {
				return nil, fmt.Errorf("look up alerts in %s: keys left unprocessed", s.table)
			}
			out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("look up alerts in %s: %w", s.table, err)
			}
			for _, item := range out.Responses[s.table] {
				if id, ok := item["id"].(*types.AttributeValueMemberS); ok {
					found[id.Value] = true
				}
			}
			req = out.UnprocessedKeys
		}
	}
	out := make([]bool, len(ids))
	for i, id := range ids {
		out[i] = found[id]
	}
	return out, nil
}

func (s *DynamoStore) getItem(ctx context.Context, id string) (map[string]types.AttributeValue, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{"id": attrS(id)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get alert %s from %s: %w", id, s.table, err)
	}
	if out.Item == nil {
		return nil, fmt.Errorf("get alert %s: %w", id, ErrNotFound)
	}
	return out.Item, nil
}

// Get implements Store.
func (s *DynamoStore) Get(ctx context.Context, id string) (*Alert, error) {
	item, err := s.getItem(ctx, id)
	if err != nil {
		return nil, err
	}
	a, _, err := itemAlert(item)
	return a, err
}

// Modify implements Store. fn runs on every alert before anything is
// written, so an error from it changes nothing; then each alert is written
// on the condition that nobody wrote it meanwhile (else it is read and
// changed again). A failure while writing can leave earlier alerts changed.
func (s *DynamoStore) Modify(ctx context.Context, ids []string, fn func(*Alert) error) error {
	type change struct {
		id      string
		item    map[string]types.AttributeValue
		version int
	}
	prepare := func(id string) (*change, error) {
		item, err := s.getItem(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("modify: %w", err)
		}
		a, version, err := itemAlert(item)
		if err != nil {
			return nil, err
		}
		if err := fn(a); errors.Is(err, ErrSkip) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		if a.ID != id {
			return nil, fmt.Errorf("modify alert %s: the id must not change", id)
		}
		next, err := alertItem(a, version+1)
		if err != nil {
			return nil, err
		}
		return &change{id, next, version}, nil
	}
	changes := make([]*change, 0, len(ids))
	for _, id := range ids {
		c, err := prepare(id)
		if err != nil {
			return err
		}
		changes = append(changes, c)
	}
	for _, c := range changes {
		for try := 0; c != nil; try++ {
			_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
				TableName:                 aws.String(s.table),
				Item:                      c.item,
				ConditionExpression:       aws.String("version = :v"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": attrN(strconv.Itoa(c.version))},
			})
			if err == nil {
				break
			}
			if !isConditionFailed(err) || try >= dynamoRetries {
				return fmt.Errorf("modify alert %s in %s: %w", c.id, s.table, err)
			}
			id := c.id
			if c, err = prepare(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// Mark implements Store.
func (s *DynamoStore) Mark(ctx context.Context, changes []StatusChange) (int, error) {
	if err := checkMark(changes); err != nil {
		return 0, err
	}
	byID := make(map[string]StatusChange, len(changes))
	ids := make([]string, len(changes))
	for i, c := range changes {
		byID[c.ID] = c
		ids[i] = c.ID
	}
	moved := map[string]bool{}
	err := s.Modify(ctx, ids, func(a *Alert) error {
		c := byID[a.ID]
		if a.Status != c.From {
			return ErrSkip
		}
		a.Status, a.MergeGroup = c.To, ""
		if c.MergedInto != "" {
			a.MergedInto = c.MergedInto
		}
		moved[a.ID] = true
		return nil
	})
	return len(moved), err
}

// List implements Store: a query of the status or rule index, else a scan.
func (s *DynamoStore) List(ctx context.Context, f Filter) ([]*Alert, error) {
	var out []*Alert
	collect := func(items []map[string]types.AttributeValue) (bool, error) {
		for _, item := range items {
			a, _, err := itemAlert(item)
			if err != nil {
				return false, err
			}
			if f.match(a) {
				out = append(out, a)
			}
		}
		return f.Limit > 0 && len(out) >= f.Limit && len(f.Status) <= 1, nil
	}
	query := func(index, hashKey, hashValue, rangeKey string, from, until time.Time) error {
		cond := "#h = :h"
		names := map[string]string{"#h": hashKey}
		values := map[string]types.AttributeValue{":h": attrS(hashValue)}
		if !from.IsZero() || !until.IsZero() {
			names["#r"] = rangeKey
			lo, hi := from, until
			if hi.IsZero() {
				hi = time.Unix(0, 1<<62)
			}
			cond += " AND #r BETWEEN :lo AND :hi"
			values[":lo"], values[":hi"] = attrN(nanos(lo)), attrN(nanos(hi))
		}
		p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
			TableName: aws.String(s.table), IndexName: aws.String(index),
			KeyConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			if done, err := collect(page.Items); err != nil || done {
				return err
			}
		}
		return nil
	}
	var err error
	switch {
	case len(f.Status) > 0:
		for _, st := range f.Status {
			from, until := f.Since, f.Until
			if st == StatusPending {
				from, until = time.Time{}, f.DueBy
			}
			if err = query(dynamoStatusIndex, "status", string(st), "due", from, until); err != nil {
				break
			}
		}
	case f.Rule != "":
		err = query(dynamoRuleIndex, "rule", f.Rule, "created", f.Since, f.Until)
	default:
		p := dynamodb.NewScanPaginator(s.client, &dynamodb.ScanInput{
			TableName:                 aws.String(s.table),
			FilterExpression:          aws.String("kind = :k"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":k": attrS("alert")},
		})
		for p.HasMorePages() {
			page, perr := p.NextPage(ctx)
			if perr != nil {
				err = perr
				break
			}
			if _, err = collect(page.Items); err != nil {
				break
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("list alerts in %s: %w", s.table, err)
	}
	sortAlerts(out)
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// Rules implements Store. Rule states are found through the by_status
// index (their status is dynamoRuleStatus), so the cost follows the number
// of rules, not of alerts, and are then read by key with a consistent
// read: a state written by the previous invocation is never seen stale.
func (s *DynamoStore) Rules(ctx context.Context) ([]RuleState, error) {
	var ids []string
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(dynamoStatusIndex),
		KeyConditionExpression:    aws.String("#s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": attrS(dynamoRuleStatus)},
		ProjectionExpression:      aws.String("id"),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read rule states from %s: %w", s.table, err)
		}
		for _, item := range page.Items {
			if id, ok := item["id"].(*types.AttributeValueMemberS); ok {
				ids = append(ids, id.Value)
			}
		}
	}
	var out []RuleState
	for start := 0; start < len(ids); start += dynamoBatchGet {
		keys := make([]map[string]types.AttributeValue, 0, dynamoBatchGet)
		for _, id := range ids[start:min(start+dynamoBatchGet, len(ids))] {
			keys = append(keys, map[string]types.AttributeValue{"id": attrS(id)})
		}
		req := map[string]types.KeysAndAttributes{s.table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
		for tries := 0; len(req) > 0; tries++ {
			if tries > 10 {
				return nil, fmt.Errorf("read rule states from %s: keys left unprocessed", s.table)
			}
			res, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("read rule states from %s: %w", s.table, err)
			}
			for _, item := range res.Responses[s.table] {
				body, _ := item["body"].(*types.AttributeValueMemberS)
				if body == nil {
					continue
				}
				var st RuleState
				if err := json.Unmarshal([]byte(body.Value), &st); err != nil {
					return nil, fmt.Errorf("decode rule state: %w", err)
				}
				out = append(out, st)
			}
			req = res.UnprocessedKeys
		}
	}
	sortRuleStates(out)
	return out, nil
}

// PutRule implements Store.
func (s *DynamoStore) PutRule(ctx context.Context, st RuleState) error {
	if st.Rule == "" {
		return errors.New("put rule state: empty rule name")
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{"id": attrS("rule#" + st.Rule), "kind": attrS("rule"), "body": attrS(string(b)),
			"status": attrS(dynamoRuleStatus), "due": attrN("0")},
	})
	if err != nil {
		return fmt.Errorf("store rule state %s in %s: %w", st.Rule, s.table, err)
	}
	return nil
}

// Close implements Store; the client needs no closing.
func (s *DynamoStore) Close() error { return nil }
