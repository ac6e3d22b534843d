package terraform

import (
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// A security rule checks the files of one module and returns what breaks
// it. Each rule is run on the real modules (no problem allowed) and on a
// snippet that breaks it (a problem expected), so that no rule passes by
// checking nothing.
type rule func(files []*hclFile) []string

// runRule checks every module, then the bad snippet.
func runRule(t *testing.T, r rule, bad string) {
	t.Helper()
	for _, m := range loadModules(t) {
		for _, p := range r(m.files) {
			t.Error(p)
		}
	}
	if got := r([]*hclFile{parseHCL(t, "bad.tf", []byte(bad))}); len(got) == 0 {
		t.Errorf("the rule found nothing wrong in:\n%s", bad)
	}
}

// coveredBuckets reports every aws_s3_bucket that no resource of typ
// configures: a covering resource has for_each = aws_s3_bucket.NAME (all
// its instances) or, for a bucket without for_each or count, a bucket
// attribute that references it. It returns the covering resources.
func coveredBuckets(files []*hclFile, typ string) (problems []string, covering []block) {
	confs := fileBlocks(files, "resource", typ)
	for _, b := range fileBlocks(files, "resource", "aws_s3_bucket") {
		ref := "aws_s3_bucket." + b.Labels[1]
		multi := b.Body.Attributes["for_each"] != nil || b.Body.Attributes["count"] != nil
		found := false
		for _, c := range confs {
			fe := c.Body.Attributes["for_each"]
			switch {
			case fe != nil:
				st, ok := fe.Expr.(*hclsyntax.ScopeTraversalExpr)
				found = ok && traversal(st.Traversal) == ref
			case !multi && c.Body.Attributes["count"] == nil && c.Body.Attributes["bucket"] != nil:
				for _, r := range references(c.Body.Attributes["bucket"].Expr) {
					found = found || strings.HasPrefix(r, ref+".")
				}
			}
			if found {
				covering = append(covering, c)
				break
			}
		}
		if !found {
			problems = append(problems, b.where()+": bucket "+b.Labels[1]+" has no "+typ+" for all its instances")
		}
	}
	return problems, covering
}

func ruleBucketEncryption(files []*hclFile) []string {
	problems, covering := coveredBuckets(files, "aws_s3_bucket_server_side_encryption_configuration")
	for _, c := range covering {
		a := attrAt(c.Body, "rule", "apply_server_side_encryption_by_default", "sse_algorithm")
		if a == nil {
			problems = append(problems, c.where()+": no sse_algorithm")
			continue
		}
		if s, ok := literalString(a); ok && s != "aws:kms" && s != "aws:kms:dsse" && s != "AES256" {
			problems = append(problems, c.where()+": sse_algorithm "+s)
		}
		if _, ok := literalString(a); !ok && !strings.Contains(text(c.file, a.Expr), `"aws:kms"`) {
			problems = append(problems, c.where()+": sse_algorithm is computed and never aws:kms")
		}
	}
	return problems
}

func TestSecurity_BucketEncryption(t *testing.T) {
	runRule(t, ruleBucketEncryption, `
resource "aws_s3_bucket" "b" {
  bucket = "x"
}
`)
}

func rulePublicAccessBlock(files []*hclFile) []string {
	problems, covering := coveredBuckets(files, "aws_s3_bucket_public_access_block")
	for _, c := range covering {
		for _, a := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
			if !isTrue(c.Body.Attributes[a]) {
				problems = append(problems, c.where()+": "+a+" is not true")
			}
		}
	}
	return problems
}

func TestSecurity_PublicAccessBlock(t *testing.T) {
	runRule(t, rulePublicAccessBlock, `
resource "aws_s3_bucket" "b" {
  bucket = "x"
}
resource "aws_s3_bucket_public_access_block" "b" {
  bucket                  = aws_s3_bucket.b.id
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`)
}

// policyDocument returns the aws_iam_policy_document data source a policy
// attribute uses, or "" when it uses something else.
func policyDocument(a *hclsyntax.Attribute) string {
	if a == nil {
		return ""
	}
	// data.aws_iam_policy_document.NAME.json, or …NAME[each.key].json
	refs := references(a.Expr)
	if len(refs) == 0 {
		return ""
	}
	name, ok := strings.CutPrefix(refs[0], "data.aws_iam_policy_document.")
	if !ok {
		return ""
	}
	name, _ = strings.CutSuffix(name, ".json")
	return name
}

// policyVariable returns X when a policy attribute is var.X: the module
// takes its policy from its caller, who must pass a policy document.
func policyVariable(a *hclsyntax.Attribute) string {
	st, ok := a.Expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok {
		return ""
	}
	name, _ := strings.CutPrefix(traversal(st.Traversal), "var.")
	if name == traversal(st.Traversal) {
		return ""
	}
	return name
}

func ruleTLSOnly(files []*hclFile) []string {
	problems, covering := coveredBuckets(files, "aws_s3_bucket_policy")
	docs := map[string]block{}
	for _, d := range fileBlocks(files, "data", "aws_iam_policy_document") {
		docs[d.Labels[1]] = d
	}
	for _, c := range covering {
		doc, ok := docs[policyDocument(c.Body.Attributes["policy"])]
		if !ok {
			problems = append(problems, c.where()+": policy is not an aws_iam_policy_document of this module")
			continue
		}
		denies := false
		for _, st := range nested(doc.Body, "statement") {
			effect, _ := literalString(st.Body.Attributes["effect"])
			for _, cond := range nested(st.Body, "condition") {
				v, _ := literalString(cond.Body.Attributes["variable"])
				test, _ := literalString(cond.Body.Attributes["test"])
				vals := literalStrings(doc.file, cond.Body.Attributes["values"])
				actions := literalStrings(doc.file, st.Body.Attributes["actions"])
				if effect == "Deny" && v == "aws:SecureTransport" && test == "Bool" && len(vals) == 1 && vals[0] == "false" &&
					len(actions) == 1 && actions[0] == "s3:*" {
					denies = true
				}
			}
		}
		if !denies {
			problems = append(problems, doc.where()+": no statement denies s3:* when aws:SecureTransport is false")
		}
	}
	return problems
}

func TestSecurity_TLSOnlyBucketPolicy(t *testing.T) {
	runRule(t, ruleTLSOnly, `
resource "aws_s3_bucket" "b" {
  bucket = "x"
}
data "aws_iam_policy_document" "b" {
  statement {
    effect    = "Deny"
    actions   = ["s3:GetObject"]
    resources = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
resource "aws_s3_bucket_policy" "b" {
  bucket = aws_s3_bucket.b.id
  policy = data.aws_iam_policy_document.b.json
}
`)
}

// has reports whether the attribute at the path is set to something other
// than null.
func has(body *hclsyntax.Body, path ...string) bool {
	a := attrAt(body, path...)
	if a == nil {
		return false
	}
	v, ok := literal(a.Expr)
	return !ok || !v.IsNull()
}

func ruleEncryptedStreams(files []*hclFile) []string {
	var problems []string
	for _, b := range fileBlocks(files, "resource", "aws_kinesis_stream") {
		if s, _ := literalString(b.Body.Attributes["encryption_type"]); s != "KMS" || !has(b.Body, "kms_key_id") {
			problems = append(problems, b.where()+": "+b.id()+" is not KMS-encrypted")
		}
	}
	for _, b := range fileBlocks(files, "resource", "aws_kinesis_firehose_delivery_stream") {
		if !isTrue(attrAt(b.Body, "server_side_encryption", "enabled")) || !has(b.Body, "server_side_encryption", "key_arn") {
			problems = append(problems, b.where()+": "+b.id()+" has no server-side encryption with a customer key")
		}
		if !has(b.Body, "extended_s3_configuration", "kms_key_arn") {
			problems = append(problems, b.where()+": "+b.id()+" writes objects without a KMS key")
		}
	}
	return problems
}

func TestSecurity_EncryptedStreams(t *testing.T) {
	runRule(t, ruleEncryptedStreams, `
resource "aws_kinesis_stream" "s" {
  name             = "s"
  retention_period = 24
}
`)
}

func ruleEncryptedTables(files []*hclFile) []string {
	var problems []string
	for _, b := range fileBlocks(files, "resource", "aws_dynamodb_table") {
		if !isTrue(attrAt(b.Body, "server_side_encryption", "enabled")) || !has(b.Body, "server_side_encryption", "kms_key_arn") {
			problems = append(problems, b.where()+": "+b.id()+" is not encrypted with the deployment's key")
		}
		if !isTrue(attrAt(b.Body, "point_in_time_recovery", "enabled")) {
			problems = append(problems, b.where()+": "+b.id()+" has no point-in-time recovery")
		}
	}
	for _, b := range fileBlocks(files, "resource", "aws_athena_workgroup") {
		if !has(b.Body, "configuration", "result_configuration", "encryption_configuration", "encryption_option") ||
			!isTrue(attrAt(b.Body, "configuration", "enforce_workgroup_configuration")) {
			problems = append(problems, b.where()+": "+b.id()+" does not enforce encrypted query results")
		}
	}
	return problems
}

func TestSecurity_EncryptedTables(t *testing.T) {
	runRule(t, ruleEncryptedTables, `
resource "aws_dynamodb_table" "t" {
  name     = "t"
  hash_key = "id"
  server_side_encryption {
    enabled = false
  }
}
`)
}

func ruleEncryptedQueues(files []*hclFile) []string {
	var problems []string
	for _, typ := range []string{"aws_sqs_queue", "aws_sns_topic"} {
		for _, b := range fileBlocks(files, "resource", typ) {
			if !has(b.Body, "kms_master_key_id") {
				problems = append(problems, b.where()+": "+b.id()+" is not encrypted with a KMS key")
			}
		}
	}
	return problems
}

func TestSecurity_EncryptedQueuesAndTopics(t *testing.T) {
	runRule(t, ruleEncryptedQueues, `
resource "aws_sqs_queue" "q" {
  name = "q"
}
`)
}

func ruleEncryptedLogs(files []*hclFile) []string {
	var problems []string
	for _, b := range fileBlocks(files, "resource", "aws_cloudwatch_log_group") {
		if !has(b.Body, "kms_key_id") {
			problems = append(problems, b.where()+": "+b.id()+" is not encrypted with a KMS key")
		}
	}
	return problems
}

func TestSecurity_EncryptedLogs(t *testing.T) {
	runRule(t, ruleEncryptedLogs, `
resource "aws_cloudwatch_log_group" "l" {
  name              = "l"
  retention_in_days = 30
}
`)
}

// ruleNoWildcardIAM: every IAM policy is an aws_iam_policy_document (so
// that its statements can be read here); no statement that allows uses a
// wildcard in an action, NotAction or NotResource; a resource "*" is
// allowed only with a "# resource-wildcard: why" comment in its statement,
// for the actions and key policies where AWS offers nothing narrower.
func ruleNoWildcardIAM(files []*hclFile) []string {
	var problems []string
	for _, f := range files {
		for _, b := range f.body.Blocks {
			if b.Type != "resource" {
				continue
			}
			for _, name := range []string{"policy", "assume_role_policy"} {
				a := b.Body.Attributes[name]
				if a == nil || strings.HasPrefix(b.Labels[0], "aws_scheduler") {
					continue
				}
				if policyDocument(a) == "" && policyVariable(a) == "" {
					problems = append(problems, block{b, f}.where()+": "+name+" of "+strings.Join(b.Labels, ".")+" is not an aws_iam_policy_document")
				}
			}
			if b.Labels[0] == "aws_iam_role_policy_attachment" || b.Labels[0] == "aws_iam_policy_attachment" {
				problems = append(problems, block{b, f}.where()+": managed policy attachments are not reviewed here; write an aws_iam_policy_document")
			}
		}
	}
	for _, d := range fileBlocks(files, "data", "aws_iam_policy_document") {
		for _, st := range nested(d.Body, "statement") {
			where := d.file.path + ":" + strconv.Itoa(st.DefRange().Start.Line)
			for _, forbidden := range []string{"not_actions", "not_resources"} {
				if st.Body.Attributes[forbidden] != nil {
					problems = append(problems, where+": "+forbidden+" grants by exclusion")
				}
			}
			if effect, ok := literalString(st.Body.Attributes["effect"]); ok && effect == "Deny" {
				continue
			}
			for _, a := range literalStrings(d.file, st.Body.Attributes["actions"]) {
				if strings.Contains(a, "*") {
					problems = append(problems, where+": action "+a+" is a wildcard")
				}
			}
			for _, r := range literalStrings(d.file, st.Body.Attributes["resources"]) {
				if r != "*" {
					continue
				}
				src := string(d.file.src[st.Range().Start.Byte:st.Range().End.Byte])
				if !strings.Contains(src, "# resource-wildcard: ") {
					problems = append(problems, where+`: resource "*" without a "# resource-wildcard:" justification`)
				}
			}
		}
	}
	return problems
}

func TestSecurity_NoWildcardIAM(t *testing.T) {
	runRule(t, ruleNoWildcardIAM, `
data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["s3:Get*"]
    resources = ["*"]
  }
}
`)
	// A module that takes its policy as a variable gets a policy document
	// from every caller.
	mods := loadModules(t)
	byDir := map[string]*module{}
	for _, m := range mods {
		byDir[m.dir] = m
	}
	passed := 0
	for _, m := range mods {
		for _, call := range m.blocks("module", "") {
			src, _ := literalString(call.Body.Attributes["source"])
			target := byDir[strings.TrimPrefix(src, "./")]
			if target == nil {
				continue
			}
			for _, f := range target.files {
				walkAttrs(f.body, func(a *hclsyntax.Attribute) {
					if a.Name != "policy" {
						return
					}
					if v := policyVariable(a); v != "" {
						passed++
						if policyDocument(call.Body.Attributes[v]) == "" {
							t.Errorf("%s: module %s passes %s, which is not an aws_iam_policy_document", call.where(), call.Labels[0], v)
						}
					}
				})
			}
		}
	}
	if passed == 0 {
		t.Error("no module call passes a policy document; the lambda module's policy_json went unchecked")
	}
	// A resource policy written as inline JSON escapes the check: refused.
	bad := parseHCL(t, "inline.tf", []byte(`
resource "aws_iam_role_policy" "p" {
  role   = "r"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}
`))
	if len(ruleNoWildcardIAM([]*hclFile{bad})) == 0 {
		t.Error("an inline JSON policy passed the IAM rule")
	}
}

func ruleLogRetention(files []*hclFile) []string {
	var problems []string
	groups := map[string]bool{}
	for _, b := range fileBlocks(files, "resource", "aws_cloudwatch_log_group") {
		groups["aws_cloudwatch_log_group."+b.Labels[1]] = true
		a := b.Body.Attributes["retention_in_days"]
		if a == nil {
			problems = append(problems, b.where()+": "+b.id()+" keeps logs forever (no retention_in_days)")
			continue
		}
		if v, ok := literal(a.Expr); ok && (v.IsNull() || v.AsBigFloat().Sign() <= 0) {
			problems = append(problems, b.where()+": "+b.id()+" has no retention")
		}
	}
	// A function left to create its own log group gets one that never
	// expires: each must log to a group made here.
	for _, b := range fileBlocks(files, "resource", "aws_lambda_function") {
		a := attrAt(b.Body, "logging_config", "log_group")
		ok := false
		if a != nil {
			for _, r := range references(a.Expr) {
				ok = ok || groups[strings.TrimSuffix(r, ".name")]
			}
		}
		if !ok {
			problems = append(problems, b.where()+": "+b.id()+" does not log to a log group with retention made in this module")
		}
	}
	return problems
}

func TestSecurity_LogRetention(t *testing.T) {
	runRule(t, ruleLogRetention, `
resource "aws_cloudwatch_log_group" "l" {
  name       = "l"
  kms_key_id = "k"
}
`)
}
