package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/streamalert/streamalert/schema"
)

// TestResolveField pins where paths lead in the built-in CloudTrail type;
// the SQL compiler builds column expressions from these.
func TestResolveField(t *testing.T) {
	lt := schema.Builtin().Get("cloudtrail:events")
	cases := map[string]string{
		"eventName": "declared [eventname] string",
		"EVENTNAME": "declared [eventname] string",
		"userIdentity.sessionContext.sessionIssuer.type": "declared [useridentity sessioncontext sessionissuer type] string",
		"userIdentity":                      "declared [useridentity] object",
		"requestParameters":                 "json [requestparameters] json []",
		"requestParameters.bucketName":      "json [requestparameters] json [bucketName]",
		"resources.ARN":                     "json [resources] array<json> [ARN]",
		"userIdentity.inScopeOf.issuerType": "json [useridentity inscopeof] json [issuerType]",
		"somethingNew.deep":                 "extras [] [somethingNew deep]",
		"userIdentity.notDeclared":          "extras [] [userIdentity notDeclared]",
		"eventName.sub":                     "nowhere",
		"normalized.ip_address":             "normalized ip_address",
		"":                                  "text",
	}
	for path, want := range cases {
		ref := ResolveField(lt, splitPath(path))
		var got string
		switch ref.Where {
		case InDeclared:
			got = fmt.Sprintf("declared %v %s", ref.Columns, ref.Type)
		case InJSON:
			got = fmt.Sprintf("json %v %s %v", ref.Columns, ref.Type, ref.JSONPath)
		case InExtras:
			got = fmt.Sprintf("extras %v %v", ref.Columns, ref.JSONPath)
		case InNormalized:
			got = "normalized " + ref.Normalized
		default:
			got = ref.Where.String()
		}
		if got != want {
			t.Errorf("%q: got %s, want %s", path, got, want)
		}
	}
}

// TestRecordValues pins what keyword selections search: every scalar,
// one value each, declared numbers, booleans and timestamps included,
// JSON strings unescaped and JSON numbers canonical.
func TestRecordValues(t *testing.T) {
	reg := testTypes(t)
	rec := buildRecord(t, reg.Get("test:events"), `{"name":"n","cmd":"","count":5,"flag":true,"ip":"10.0.0.1","tags":["a","b"],"user":{"name":"u","id":3},"params":{"k":"C:\\Windows\\evil.exe","q":"say \"hi\"\tand\nbye","n":[1.50,1e3,-0,null,false]},"zzz":{"deep":"x\\y"}}`)
	want := []string{"n", "", "5", "true", "10.0.0.1", "a", "b", "u", "3", `C:\Windows\evil.exe`, "say \"hi\"\tand\nbye", "1.5", "1000", "0", "false", `x\y`}
	var got []string
	for _, v := range recordValues(rec, nil) {
		got = append(got, v.text)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("record values =\n%q\nwant\n%q", got, want)
	}
}

func TestJSONNumber(t *testing.T) {
	for raw, want := range map[string]string{
		"1.50": "1.5", "1.10": "1.1", "1e3": "1000", "-0": "0", "-0.0": "-0", "100": "100",
		"-5": "-5", "12345678901234567890": "12345678901234567890",
		"18446744073709551616": "1.8446744073709552e+19", "1E400": "+Inf", "0.1e1": "1",
		"-9223372036854775808": "-9223372036854775808",
	} {
		if got, _ := jsonNumber(raw); got != want {
			t.Errorf("jsonNumber(%s) = %s, want %s", raw, got, want)
		}
	}
}
