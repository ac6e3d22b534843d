package terraform

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/streamalert/streamalert/alerts"
)

// tableShape writes a DynamoDB table's keys, attributes, indexes, billing
// and stream as comparable lines.
func tableShape(hash string, attrs, gsis []string, billing, stream string) string {
	sort.Strings(attrs)
	sort.Strings(gsis)
	return fmt.Sprintf("hash %s\nattributes %s\nindexes %s\nbilling %s\nstream %s", hash, strings.Join(attrs, " "), strings.Join(gsis, " "), billing, stream)
}

// TestAlertsModule_MakesTheTableTheStoreUses: the alerts module's table
// has the keys, attribute types, indexes, billing and stream view that
// alerts.CreateDynamoTable makes and the store queries.
func TestAlertsModule_MakesTheTableTheStoreUses(t *testing.T) {
	def := alerts.DynamoTableDefinition("t")
	var attrs, gsis []string
	for _, a := range def.AttributeDefinitions {
		attrs = append(attrs, aws.ToString(a.AttributeName)+":"+string(a.AttributeType))
	}
	for _, g := range def.GlobalSecondaryIndexes {
		keys := make([]string, len(g.KeySchema))
		for i, k := range g.KeySchema {
			keys[i] = aws.ToString(k.AttributeName)
		}
		gsis = append(gsis, aws.ToString(g.IndexName)+"("+strings.Join(keys, ",")+")"+string(g.Projection.ProjectionType))
	}
	want := tableShape(aws.ToString(def.KeySchema[0].AttributeName), attrs, gsis, string(def.BillingMode), string(def.StreamSpecification.StreamViewType))

	m := loadModule(t, filepath.Join("modules", "alerts"))
	tables := m.blocks("resource", "aws_dynamodb_table")
	if len(tables) != 1 {
		t.Fatalf("%d tables in the alerts module", len(tables))
	}
	b := tables[0].Body
	text := func(name string) string {
		s, _ := literalString(b.Attributes[name])
		return s
	}
	attrs, gsis = nil, nil
	for _, a := range nested(b, "attribute") {
		n, _ := literalString(a.Body.Attributes["name"])
		ty, _ := literalString(a.Body.Attributes["type"])
		attrs = append(attrs, n+":"+ty)
	}
	for _, g := range nested(b, "global_secondary_index") {
		n, _ := literalString(g.Body.Attributes["name"])
		h, _ := literalString(g.Body.Attributes["hash_key"])
		r, _ := literalString(g.Body.Attributes["range_key"])
		p, _ := literalString(g.Body.Attributes["projection_type"])
		gsis = append(gsis, n+"("+h+","+r+")"+p)
	}
	if !isTrue(b.Attributes["stream_enabled"]) {
		t.Error("the table's stream is not enabled")
	}
	got := tableShape(text("hash_key"), attrs, gsis, text("billing_mode"), text("stream_view_type"))
	if got != want {
		t.Errorf("terraform's alert table:\n%s\nalerts.CreateDynamoTable's:\n%s", got, want)
	}
}
