package alerts

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscapers(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"slack entities", slackEscape, "<!channel> & <https://x|y>", "&lt;!channel&gt; &amp; &lt;https://x|y&gt;"},
		{"slack code breaks fences", slackCode, "a```b````c", "a`" + zwsp + "`" + zwsp + "`b`" + zwsp + "`" + zwsp + "`" + zwsp + "`c"},
		{"slack code keeps single backticks", slackCode, "a`b", "a`b"},
		{"markdown punctuation", markdownEscape, "[x](y) *b*", `\[x\]\(y\) \*b\*`},
		{"markdown mention", markdownEscape, "@admin #1", `\@` + zwsp + `admin \#` + zwsp + `1`},
		{"markdown keeps letters and CJK", markdownEscape, "abc 日本", "abc 日本"},
		{"jira markup", jiraEscape, "{code}*b*[~u]", `\{code\}\*b\*\[\~u\]`},
		{"jira heading", jiraEscape, "x\nh1. Big\nbq. q", "x\n" + zwsp + "h1. Big\n" + zwsp + "bq. q"},
		{"jira noformat", jiraNoformat, "{code}{noformat}", "{" + zwsp + "code}{" + zwsp + "noformat}"},
		{"display text", displayText, "a\x00b\x1b[1mc\uffffd\r\ne\rf\tg", "a\ufffdb\ufffd[1mc\ufffdd\ne\nf\tg"},
		{"display text clean", displayText, "plain 日本 text\n", "plain 日本 text\n"},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("%s: %q → %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestMarkdownFence_LongerThanAnyRun(t *testing.T) {
	for in, want := range map[string]string{"": "```", "a`b": "```", "````x": "`````", "x```": "````"} {
		if got := markdownFence(in); got != want {
			t.Errorf("markdownFence(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestXMLSafeJSON_KeepsTheValue(t *testing.T) {
	in := map[string]any{"v": "a\uffffb\ufffec\U0001fffe"}
	b, _ := compactJSON(in)
	safe := xmlSafeJSON(b)
	for _, r := range string(safe) {
		if !isXMLChar(r) {
			t.Fatalf("%q still holds %U", safe, r)
		}
	}
	var out map[string]any
	if err := json.Unmarshal(safe, &out); err != nil || out["v"] != in["v"] {
		t.Errorf("decoded %q (%v), want %q", out["v"], err, in["v"])
	}
}

func TestDisplayJSON_NoHTMLEscaping(t *testing.T) {
	if got := displayJSON(map[string]any{"x": "<script>&"}); !strings.Contains(got, `"<script>&"`) {
		t.Errorf("displayJSON = %s", got)
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		esc  func(string) string
		want string
	}{
		{"short", 10, nil, "short"},
		{strings.Repeat("a", 20), 15, nil, "aa" + truncMarker},
		{strings.Repeat("日", 25), 20, nil, "日日日日日日日" + truncMarker},
		// An entity is never cut in half.
		{strings.Repeat("<", 10), 20, slackEscape, "&lt;" + truncMarker},
		// Characters are UTF-16 units: an emoji counts two.
		{strings.Repeat("😀", 10), 17, nil, "😀😀" + truncMarker},
	}
	for _, tt := range tests {
		got := clipEscaped(tt.in, tt.n, tt.esc)
		if got != tt.want || chars(got) > tt.n {
			t.Errorf("clip(%q, %d) = %q (%d chars), want %q", tt.in, tt.n, got, chars(got), tt.want)
		}
	}
	if got := clipBytes("日本語", 7); got != "日本" && len(got) > 7 {
		t.Errorf("clipBytes = %q", got)
	}
}

// FuzzClipEscaped: whatever the text and escaper, the result is valid
// UTF-8 within the limit, and an uncut text comes back whole.
func FuzzClipEscaped(f *testing.F) {
	for _, s := range []string{"", "<<<&&&>>>", "日本語テキスト", "a```b", strings.Repeat("x", 300), "\xff\xfe", "😀😀😀"} {
		f.Add(s, 20, uint8(0))
	}
	escapers := []func(string) string{nil, slackEscape, slackCode, markdownEscape, jiraEscape, jiraNoformat}
	f.Fuzz(func(t *testing.T, s string, n int, which uint8) {
		n = n % 4000
		if n < 0 {
			n = -n
		}
		esc := escapers[int(which)%len(escapers)]
		got := clipEscaped(s, n, esc)
		if chars(got) > n {
			t.Fatalf("clip(%q, %d) = %q: %d chars", s, n, got, chars(got))
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("clip(%q, %d) = %q: invalid UTF-8", s, n, got)
		}
		full := s
		if esc != nil {
			full = esc(s)
		}
		if chars(full) <= n && got != full {
			t.Fatalf("clip(%q, %d) = %q, want it whole", s, n, got)
		}
	})
}

// FuzzEncodeSubject: every subject becomes header text a mail reader
// decodes back, in encoded words of at most 75 characters.
func FuzzEncodeSubject(f *testing.F) {
	for _, s := range []string{"", "plain", "[high] 未经多因素认证的控制台登录", "=?utf-8?q?x?=", strings.Repeat("é", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n") {
			return
		}
		enc := encodeSubject(s)
		data := []byte("Content-Type: text/plain; charset=utf-8\r\nSubject: " + enc + "\r\n\r\nbody\r\n")
		if err := checkMailWire(data); err != nil {
			t.Fatalf("subject %q → %q: %v", s, enc, err)
		}
		got, want := parseMail(t, data).subject, s
		if enc == s { // sent as it is: the header's outer spaces are not part of it
			got, want = strings.TrimSpace(got), strings.TrimSpace(want)
		}
		if got != want {
			t.Fatalf("subject %q → %q → %q", s, enc, got)
		}
	})
}
