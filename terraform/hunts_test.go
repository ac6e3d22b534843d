package terraform

import (
	"slices"
	"strings"
	"testing"
)

// TestHuntsFunction_LeastPrivilege: the hunts function's policy grants
// the four Athena query actions on its workgroup only, Glue reads of the
// lake's database and tables, S3 on the lake's tables and the results, and
// DynamoDB on the alert table; every statement of it is listed here, so
// that a new grant is a reviewed change.
func TestHuntsFunction_LeastPrivilege(t *testing.T) {
	root := loadModule(t, ".")
	want := map[string]struct{ actions, resources string }{
		"RunQueries":                  {"athena:StartQueryExecution athena:GetQueryExecution athena:GetQueryResults athena:StopQueryExecution", "local.hunts_workgroup_arn"},
		"ReadTableDefinitions":        {"glue:GetDatabase glue:GetTable", `concat(["arn:aws:glue:${var.region}:${local.account_id}:catalog", module.glue.database_arn],`},
		"ReadLake":                    {"s3:GetObject", `"${module.lake.data_bucket_arn}/${var.lake_root}*"`},
		"ListLake":                    {"s3:ListBucket", "module.lake.data_bucket_arn"},
		"QueryResults":                {"s3:GetObject s3:PutObject s3:AbortMultipartUpload s3:ListMultipartUploadParts", "local.hunts_results_objects"},
		"ResultBuckets":               {"s3:GetBucketLocation s3:ListBucket s3:ListBucketMultipartUploads", "local.hunts_results_buckets"},
		"LakeBucketLocation":          {"s3:GetBucketLocation", "module.lake.data_bucket_arn"},
		"RunsAndAlerts":               {"dynamodb:BatchGetItem dynamodb:GetItem dynamodb:PutItem dynamodb:Query", "local.alert_table_resources"},
		"FeedToLake":                  {"firehose:PutRecordBatch", "local.hunts_streams"},
		"ReadConfig":                  {"s3:GetObject", "local.config_object_arn"},
		"DecryptConfigLakeAndResults": {"kms:Decrypt kms:GenerateDataKey", "module.secrets.key_arn"},
	}
	var found []string
	for _, d := range root.blocks("data", "aws_iam_policy_document") {
		if d.Labels[1] != "hunts" {
			continue
		}
		for _, st := range nested(d.Body, "statement") {
			sid, _ := literalString(st.Body.Attributes["sid"])
			found = append(found, sid)
			w, ok := want[sid]
			if !ok {
				t.Errorf("hunts policy: statement %q is not reviewed here", sid)
				continue
			}
			if got := strings.Join(literalStrings(d.file, st.Body.Attributes["actions"]), " "); got != w.actions {
				t.Errorf("hunts policy %s: actions %s, want %s", sid, got, w.actions)
			}
			if got := strings.Join(literalStrings(d.file, st.Body.Attributes["resources"]), " "); !strings.HasPrefix(got, w.resources) {
				t.Errorf("hunts policy %s: resources %s, want %s", sid, got, w.resources)
			}
			if sid == "ListLake" && len(nested(st.Body, "condition")) != 1 {
				t.Errorf("hunts policy ListLake: listing is not bound to the lake's prefix")
			}
		}
	}
	if len(found) != len(want) {
		t.Errorf("hunts policy statements %v, want the %d reviewed here", found, len(want))
	}
	// Only the hunts function runs Athena queries.
	for _, d := range root.blocks("data", "aws_iam_policy_document") {
		for _, st := range nested(d.Body, "statement") {
			acts := literalStrings(d.file, st.Body.Attributes["actions"])
			if d.Labels[1] != "hunts" && slices.ContainsFunc(acts, func(a string) bool { return strings.HasPrefix(a, "athena:") }) {
				t.Errorf("policy %s grants Athena actions %v", d.Labels[1], acts)
			}
		}
	}
}
