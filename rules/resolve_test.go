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

func TestTextFields(t *testing.T) {
	reg := testTypes(t)
	var got []string
	for _, f := range TextFields(reg.Get("test:events")) {
		got = append(got, f.Where.String()+":"+strings.Join(f.Columns, "."))
	}
	want := "declared:name declared:path declared:cmd declared:other declared:ip declared:tags declared:user.name declared:user.session.mfa declared:params declared:items extras:"
	if strings.Join(got, " ") != want {
		t.Errorf("TextFields = %s", strings.Join(got, " "))
	}
}

func TestRecordText(t *testing.T) {
	reg := testTypes(t)
	rec := buildRecord(t, reg.Get("test:events"), `{"name":"n","cmd":"","count":5,"flag":true,"ip":"10.0.0.1","tags":["a","b"],"user":{"name":"u","id":3},"params":{"k":"v"},"zzz":"x"}`)
	want := strings.Join([]string{"n", "", "10.0.0.1", "a", "b", "u", `{"k":"v"}`, `{"zzz":"x"}`}, "\n")
	if got := recordText(rec); got != want {
		t.Errorf("record text = %q, want %q", got, want)
	}
}
