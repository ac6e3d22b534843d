package alerts_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/internal/lambdatest"
)

// The cards Teams and Jira get are checked by the services' own rules:
// Microsoft's adaptivecards package parses and validates every Adaptive
// Card, and Atlassian's published ADF JSON schema (@atlaskit/adf-schema)
// every Jira v3 description. The npm packages are installed like the
// other npm tools of the tests (internal/lambdatest).
const (
	adaptiveCardsVersion = "3.0.6"
	adfSchemaVersion     = "57.7.22"
)

// adaptiveCardProblems runs the adaptivecards validator over cards and
// returns each card's problems.
func adaptiveCardProblems(t *testing.T, cards []any) [][]string {
	t.Helper()
	node := lambdatest.Node(t)
	modules := lambdatest.Modules(t, "adaptivecards", adaptiveCardsVersion)
	script, err := filepath.Abs("testdata/cardcheck/adaptive.js")
	if err != nil {
		t.Fatal(err)
	}
	in, err := json.Marshal(cards)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, script)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("adaptivecards validator: %v\n%s", err, stderr.String())
	}
	var problems [][]string
	if err := json.Unmarshal(out, &problems); err != nil || len(problems) != len(cards) {
		t.Fatalf("adaptivecards validator answered %s (%v)", out, err)
	}
	return problems
}

// adfSchema compiles the ADF JSON schema the npm package publishes.
func adfSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	modules := lambdatest.Modules(t, "@atlaskit/adf-schema", adfSchemaVersion)
	f, err := os.Open(filepath.Join(modules, "@atlaskit", "adf-schema", "dist", "json-schema", "v1", "full.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("ADF schema: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("adf.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("adf.json")
	if err != nil {
		t.Fatalf("ADF schema: %v", err)
	}
	return s
}

// sample is an ordinary alert, besides the hostile ones.
func sample() *alerts.Alert {
	return alerts.TestAlert(alerts.SystemClock{}.Now(), "teams:x")
}

func TestTeams_AdaptiveCardsValidate(t *testing.T) {
	names, as := alerts.HostileAlertsForTest(t)
	names, as = append(names, "test alert"), append(as, sample())
	var cards []any
	for _, body := range alerts.SentBodiesForTest(t, "teams/adaptive", as) {
		var msg struct {
			Attachments []struct{ Content any }
		}
		if err := json.Unmarshal(body, &msg); err != nil || len(msg.Attachments) != 1 {
			t.Fatalf("message %.300s (%v)", body, err)
		}
		cards = append(cards, msg.Attachments[0].Content)
	}
	// A card the validator must refuse: proof it is not silent.
	cards = append(cards, map[string]any{"type": "AdaptiveCard", "version": "1.4", "body": []any{
		map[string]any{"type": "RichTextBlock", "inlines": []any{map[string]any{"type": "TextRun", "text": "x", "fontType": "Mono"}}}}})
	problems := adaptiveCardProblems(t, cards)
	for i, p := range problems[:len(problems)-1] {
		// Two cards per alert: the fitted one, then the minimal one.
		if len(p) > 0 {
			t.Errorf("%s (card %d): %v", names[i/2], i%2, p)
		}
	}
	if len(problems[len(problems)-1]) == 0 {
		t.Error("the validator accepted a card with a bad fontType")
	}
}

func TestJira_ADFDescriptionsValidate(t *testing.T) {
	schema := adfSchema(t)
	names, as := alerts.HostileAlertsForTest(t)
	names, as = append(names, "test alert"), append(as, sample())
	for i, body := range alerts.SentBodiesForTest(t, "jira/v3", as) {
		var issue struct {
			Fields struct{ Description json.RawMessage }
		}
		if err := json.Unmarshal(body, &issue); err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(issue.Fields.Description))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(doc); err != nil {
			t.Errorf("%s (description %d) is not valid ADF: %v", names[i/2], i%2, err)
		}
	}
	// A document the schema must refuse: an empty text node.
	bad, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(`{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":""}]}]}`)))
	if schema.Validate(bad) == nil {
		t.Error("the ADF schema accepted an empty text node")
	}
}
