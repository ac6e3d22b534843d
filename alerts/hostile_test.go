package alerts

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// Alerts are built from log data, which an attacker can write. These are
// the alerts every output must deliver within its service's limits, with
// the attacker's markup shown as text.

// hostileMarkup holds control sequences of every markup an output's
// service interprets: Slack mrkdwn, Markdown, HTML, Jira wiki.
const hostileMarkup = "<!channel> <https://evil.example|Reset MFA> ``` *bold* _it_ ~gone~ " +
	"[click](https://evil.example) @admin #1 <script>alert(1)</script> <img src=x onerror=alert(1)> " +
	"{code}x{code} {noformat} [~admin] [link|https://evil.example] |table| !image.png! &amp; \\`\n" +
	"h1. Heading\nbq. quote\n# item\n* item\n---- &lt; ``` ` ~~~"

// The hostile tokens of each markup: none may reach it unescaped.
var (
	slackTokens    = []string{"<!channel>", "<https://evil.example|", "<script>"}
	markdownTokens = []string{"<!channel>", "<https://evil.example|", "<script>", "[click](", "@admin", "*bold*", "#1"}
	jiraTokens     = []string{"{code}x", "{noformat}", "[~admin]", "[link|", "*bold*", "!image.png!", "|table|"}
)

// nonCharacters are characters several services refuse.
const nonCharacters = "a\uffffb\ufffec\ufdd0d\U0001fffee\x00f\x1b[31mg\u202eh"

type hostileCase struct {
	name  string
	alert *Alert
	// markup: the alert carries hostileMarkup in its record, merge key and
	// description.
	markup bool
	// tail is text at the end of the alert's bulky part (a record's last
	// key, a description's last words): an output that delivers without it
	// cut the alert, and must say where the full record is.
	tail string
}

var (
	hostileOnce  sync.Once
	hostileCache []hostileCase
)

// hostileCases builds the table once per test binary (the merged alert
// runs 5,000 matches through the processor).
func hostileCases(t *testing.T) []hostileCase {
	t.Helper()
	hostileOnce.Do(func() { hostileCache = buildHostileCases(t) })
	if hostileCache == nil {
		t.Fatal("the hostile alerts could not be built")
	}
	return hostileCache
}

func hostileBase(name string) *Alert {
	a := sampleAlert()
	a.ID = AlertID("hostile_"+name, "rec-1")
	a.Record = map[string]any{"eventName": "ConsoleLogin", "userIdentity": map[string]any{"arn": "arn:aws:iam::1:user/alice"}}
	return a
}

func entries(n int) map[string]any {
	rec := map[string]any{"userIdentity": map[string]any{"arn": "arn:aws:iam::1:user/alice"}}
	for i := range n {
		rec[fmt.Sprintf("field_%05d", i)] = fmt.Sprintf("value %d of a long record that keeps going to fill some space: %s", i, strings.Repeat("x", 60))
	}
	return rec
}

func buildHostileCases(t *testing.T) []hostileCase {
	// Ordinary alerts first: what passed before must pass still.
	cases := []hostileCase{{name: "ordinary", alert: sampleAlert()}, {name: "test alert", alert: TestAlert(t0, "x:y")}}
	add := func(name string, markup bool, tail string, mod func(a *Alert)) {
		a := hostileBase(name)
		mod(a)
		cases = append(cases, hostileCase{name: name, alert: a, markup: markup, tail: tail})
	}
	add("100KB description", false, "END OF DESCRIPTION", func(a *Alert) {
		var b strings.Builder
		for i := 0; b.Len() < 100<<10; i++ {
			fmt.Fprintf(&b, "Line %d of a very long description that an analyst wrote. ", i)
			if i%10 == 9 {
				b.WriteString("\n")
			}
		}
		a.Description = b.String() + " END OF DESCRIPTION"
	})
	add("5000-entry record", false, "field_04999", func(a *Alert) { a.Record = entries(5000) })
	add("10000-entry record", false, "field_09999", func(a *Alert) { a.Record = entries(10000) })
	add("markup", true, "", func(a *Alert) {
		a.Description = "Description with markup: " + hostileMarkup
		a.Record["message"] = hostileMarkup
		a.Record["userIdentity"] = map[string]any{"arn": hostileMarkup}
		a.KeyValues = map[string]any{"userIdentity.arn": hostileMarkup}
		a.Tags = []string{"<!here>", "tag with spaces", strings.Repeat("t", 80)}
	})
	add("markup in a large record", true, "field_04999", func(a *Alert) {
		a.Record = entries(5000)
		a.Record["message"] = hostileMarkup
		a.KeyValues = map[string]any{"userIdentity.arn": hostileMarkup}
		a.Description = strings.Repeat(hostileMarkup+"\n", 400)
	})
	add("non-characters", false, "", func(a *Alert) {
		a.Title = "Title " + nonCharacters
		a.Description = "Description " + nonCharacters
		a.Record["message"] = nonCharacters
		a.KeyValues = map[string]any{"userIdentity.arn": nonCharacters}
	})
	add("2000-character lines", false, "", func(a *Alert) {
		long := strings.Repeat("A", 2000)
		a.Description = long + "\n" + long
		a.Record["commandLine"] = strings.Repeat("powershell -enc ", 125)
		a.Record["blob"] = long
	})
	add("32KB merge-key value", false, "END OF COMMAND", func(a *Alert) {
		cmd := strings.Repeat("cmd.exe /c powershell -nop -w hidden -enc SQBFAFgA ", 640) + "END OF COMMAND"
		a.Record["commandLine"] = cmd
		a.MergeKeys = []string{"commandLine"}
		a.KeyValues = map[string]any{"commandLine": cmd}
	})
	add("long CJK title", false, "", func(a *Alert) {
		a.Title = strings.Repeat("未经多因素认证的控制台登录", 160)
		a.Description = strings.Repeat("用户在没有多因素认证的情况下登录了控制台。", 200)
		a.Record["note"] = strings.Repeat("日本語のテキスト", 300)
	})
	a, err := mergedHostile(t)
	if err != nil {
		t.Errorf("merge: %v", err)
		return nil
	}
	// The merge caps each value list (MaxDiffValues), but 5,000 paths of
	// differing values remain.
	cases = append(cases, hostileCase{name: "5000-match merge", alert: a, tail: "param_4999"})
	tags := hostileBase("tags")
	for i := range 40 {
		tags.Tags = append(tags.Tags, fmt.Sprintf("attack.t%04d.%s", i, strings.Repeat("x", i*3)))
	}
	cases = append(cases, hostileCase{name: "40 tags", alert: tags})
	return cases
}

// mergedHostile runs 5,000 matches of one merge group through the
// processor and returns the merged alert.
func mergedHostile(t *testing.T) (*Alert, error) {
	store := openTestBolt(t)
	clock := newFakeClock(t0)
	rule := RuleInfo{Name: "console_login_burst", Title: "Console logins", Severity: "high", MergeByKeys: []string{"user"},
		MergeWindow: time.Hour, Outputs: []string{"x:y"}}
	p := newTestProcessor(t, store, clock, nil)
	const n, batch = 5000, 500
	for i := 0; i < n; i += batch {
		var ms []Match
		for j := i; j < i+batch; j++ {
			rec := map[string]any{"user": "alice <!channel>", "n": j, "src": fmt.Sprintf("198.51.%d.%d", j/250, j%250),
				"agent": fmt.Sprintf("agent-%d %s", j%50, strings.Repeat("z", 40)), "nested": map[string]any{"k": j % 7, "const": "same"}}
			for k := range 20 {
				rec[fmt.Sprintf("f%02d", k)] = fmt.Sprintf("%d-%d", j, k)
			}
			// A parameter only this record has: 5,000 paths of differing values.
			rec[fmt.Sprintf("param_%04d", j)] = strings.Repeat("p", 40)
			ms = append(ms, match(rule, recID(j), t0.Add(time.Duration(j)*time.Second/2), rec))
		}
		clock.Set(ms[len(ms)-1].EventTime.Add(time.Second))
		if _, err := p.Process(context.Background(), ms); err != nil {
			return nil, err
		}
	}
	clock.Advance(2 * time.Hour)
	if _, err := p.Tick(context.Background()); err != nil {
		return nil, err
	}
	merged, err := store.List(context.Background(), Filter{Status: []Status{StatusPending}})
	if err != nil {
		return nil, err
	}
	if len(merged) != 1 || merged[0].Merge == nil || merged[0].Merge.Count != n {
		return nil, fmt.Errorf("want one merged alert of %d, got %d alerts", n, len(merged))
	}
	return merged[0], nil
}

// unescape undoes the escapes of every markup (entities, backslashes,
// zero-width spaces), giving the text a reader sees.
func unescape(s string) string {
	s = strings.ReplaceAll(s, zwsp, "")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]) {
			i++
		}
		b.WriteByte(s[i])
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(b.String())
}

// wantInert checks markup text holds none of the hostile tokens as
// markup and, when shown, that a reader sees the hostile text as text.
func wantInert(t *testing.T, where, markup string, tokens []string, shown bool) {
	t.Helper()
	for _, tok := range tokens {
		if strings.Contains(markup, tok) {
			t.Errorf("%s: %q reaches the markup unescaped", where, tok)
		}
	}
	if shown && !strings.Contains(unescape(markup), "<!channel>") {
		t.Errorf("%s: the hostile text is not shown as text", where)
	}
}

// TestOutputs_HostileAlerts sends every hostile alert through every
// output to a stand-in that enforces its service's limits and shape: each
// is accepted, keeps the alert id, says where the full record is when it
// had to cut it, and shows the attacker's markup as text.
func TestOutputs_HostileAlerts(t *testing.T) {
	cases := hostileCases(t)
	for _, r := range rigs() {
		t.Run(r.name, func(t *testing.T) {
			o, seen := r.start(t, 0)
			for _, hc := range cases {
				t.Run(hc.name, func(t *testing.T) {
					if err := o.Send(context.Background(), hc.alert); err != nil {
						t.Fatalf("send: %v", err)
					}
					got := seen(t)
					if !strings.Contains(got, hc.alert.ID) {
						t.Errorf("the delivered payload lacks the alert id")
					}
					if !strings.Contains(strings.ReplaceAll(unescape(got), `\`, ""), hc.alert.Rule) {
						t.Errorf("the delivered payload lacks the rule")
					}
					cut := hc.tail != "" && !strings.Contains(got, hc.tail)
					if r.full && cut {
						t.Errorf("the archive lost part of the alert")
					}
					if cut && !strings.Contains(got, "streamalert alerts show "+hc.alert.ID) {
						t.Errorf("a cut payload does not say where the full record is")
					}
					r.inert(t, got, hc.alert, hc.markup)
				})
			}
		})
	}
}

// TestOutputs_RefusedPayloadFallsBack has each stand-in refuse any
// payload over 3 KB, as its service refuses one too large: the dispatcher
// sends the output's minimal payload, the alert is delivered, and the
// refusal is recorded and counted.
func TestOutputs_RefusedPayloadFallsBack(t *testing.T) {
	var big *Alert
	for _, hc := range hostileCases(t) {
		if hc.name == "5000-entry record" {
			big = hc.alert
		}
	}
	for _, r := range rigs() {
		if r.name == "file" {
			continue // a local file refuses nothing for its content
		}
		t.Run(r.name, func(t *testing.T) {
			o, seen := r.start(t, 3000)
			store := openTestBolt(t)
			a := *big
			a.Outputs = []string{o.Name()}
			a.Status = StatusPending
			a.initDelivery()
			if _, err := store.Insert(context.Background(), []*Alert{&a}); err != nil {
				t.Fatal(err)
			}
			var fallbacks, errs int
			d, err := NewDispatcher(DispatcherConfig{Store: store, Clock: newFakeClock(t0.Add(time.Hour)), Outputs: map[string]Output{o.Name(): o},
				OnFallback: func(string) { fallbacks++ }, OnError: func(string) { errs++ }})
			if err != nil {
				t.Fatal(err)
			}
			res, err := d.DispatchDue(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got, err := store.Get(context.Background(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			del := got.Delivery[o.Name()]
			if got.Status != StatusDelivered || del.Sent.IsZero() || del.Failed {
				t.Fatalf("alert is %s, delivery %+v", got.Status, del)
			}
			if del.Fallback == "" || res.Fallbacks != 1 || fallbacks != 1 || errs != 1 {
				t.Errorf("fallback %q, result %+v, OnFallback %d, OnError %d", del.Fallback, res, fallbacks, errs)
			}
			delivered := seen(t)
			if !strings.Contains(delivered, a.ID) || !strings.Contains(delivered, "streamalert alerts show "+a.ID) {
				t.Errorf("the minimal payload lacks the alert id or the pointer: %.500s", delivered)
			}
		})
	}
}
