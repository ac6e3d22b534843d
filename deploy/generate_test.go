package deploy

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// configs are the configs the golden tests generate from: the example
// config `streamalert init` writes, and one with a source of every AWS
// kind, outputs with AWS targets and a deploy.yaml.
var configs = []struct{ name, dir string }{
	{"example", ""},
	{"aws-conf", "testdata/aws-conf"},
}

func loadConfig(t *testing.T, dir string) *config.Config {
	t.Helper()
	var cfg *config.Config
	var ps config.Problems
	if dir == "" {
		cfg, ps = config.Load(config.Example(), "")
	} else {
		cfg, ps = config.LoadDir(dir)
	}
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	return cfg
}

func TestGenerate_GoldenTFVars(t *testing.T) {
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			plan, ps := Generate(loadConfig(t, c.dir), Options{ZipDir: "dist", OutDir: "deploy-out"})
			if len(ps) > 0 {
				t.Fatal(ps.Err())
			}
			got, err := plan.VarsJSON()
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", c.name+".tfvars.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./deploy -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("terraform.tfvars.json differs from %s (go test ./deploy -update rewrites it after review):\n%s", golden, firstDiff(string(want), string(got)))
			}
		})
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range min(len(w), len(g)) {
		if w[i] != g[i] {
			return "line " + strconv.Itoa(i+1) + ":\n  want " + w[i] + "\n  got  " + g[i]
		}
	}
	return "lengths differ: want " + strconv.Itoa(len(w)) + " lines, got " + strconv.Itoa(len(g))
}

// TestGenerate_AWSConfig checks the mapping rule by rule on the config
// with every kind of source.
func TestGenerate_AWSConfig(t *testing.T) {
	plan, ps := Generate(loadConfig(t, "testdata/aws-conf"), Options{ZipDir: "dist", OutDir: "out"})
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	v := plan.Vars
	if v.LakeBucket != "acme-security-lake" || v.LakePrefix != "streamalert/" {
		t.Errorf("lake s3://acme-security-lake/streamalert gave bucket %q prefix %q", v.LakeBucket, v.LakePrefix)
	}
	k := v.KinesisSources["cloudtrail-stream"]
	if k.Stream != "acme-cloudtrail" || !k.Create || k.Shards != 4 || k.BatchSize != 1000 || k.BatchWindowSeconds != 5 || k.RetentionHours != 24 {
		t.Errorf("kinesis source: %+v", k)
	}
	if q := v.SQSSources["okta-queue"]; q.Queue != "arn:aws:sqs:eu-west-1:123456789012:acme-okta" || q.BatchSize != 10 {
		t.Errorf("sqs source from a queue URL: %+v", q)
	}
	if s := v.S3Sources["flow-logs"]; s.Bucket != "acme-vpc-flow-logs" || s.KeyPrefix != "AWSLogs/" || s.BatchSize != 50 {
		t.Errorf("s3 source: %+v", s)
	}
	if s := v.SNSSources["guardduty"]; s.Topic != "arn:aws:sns:eu-west-1:123456789012:acme-guardduty" {
		t.Errorf("sns source from a topic ARN: %+v", s)
	}
	if h := v.HTTPSources["webhooks"]; h.Endpoint != "api_gateway" {
		t.Errorf("http source: %+v", h)
	}
	// Local-only sources get no trigger and their log types no table.
	if _, ok := v.Tables["osquery_differential"]; ok {
		t.Error("the file source's osquery types got a table")
	}
	var tables []string
	for name := range v.Tables {
		tables = append(tables, name)
	}
	slices.Sort(tables)
	want := []string{"alerts", "aws_guardduty", "aws_vpc_flow", "cloudtrail_events", "github_audit", "okta_system", "slack_access", "slack_audit", "streamquery_results", "unclassified"} // streamquery_results: the feed hunt's records
	if !reflect.DeepEqual(tables, want) {
		t.Errorf("tables %v, want %v", tables, want)
	}
	for _, name := range want {
		if plan.DDL[name] == "" || !strings.Contains(plan.DDL[name], "LOCATION 's3://acme-security-lake/streamalert/parquet/"+name+"/'") {
			t.Errorf("DDL of %s:\n%s", name, plan.DDL[name])
		}
	}
	if !reflect.DeepEqual(v.OutputSecretParameters, []string{"pagerduty/oncall", "slack/security"}) {
		t.Errorf("secret parameters %v", v.OutputSecretParameters)
	}
	if v.SecretsSSMPrefix != "/acme/outputs" {
		t.Errorf("ssm prefix %q", v.SecretsSSMPrefix)
	}
	ot := v.OutputTargets
	if !reflect.DeepEqual(ot.SQSQueueARNs, []string{"arn:aws:sqs:eu-west-1:123456789012:acme-tickets"}) ||
		!reflect.DeepEqual(ot.SNSTopicARNs, []string{"arn:aws:sns:eu-west-1:123456789012:acme-soc"}) ||
		!reflect.DeepEqual(ot.SESIdentities, []string{"acme.example", "alerts@acme.example"}) {
		t.Errorf("output targets %+v", ot)
	}
	if h := v.Hunts["ssh_password_guessing"]; h.Schedule != "rate(1 hour)" {
		t.Errorf("hunt schedule %q", h.Schedule)
	}
	if h := v.Hunts["outbound_top_talkers"]; h.Schedule != "rate(1 day)" {
		t.Errorf("hunt schedule %q", h.Schedule)
	}
	if v.Functions["classifier"].MemoryMB != 2048 || v.Functions["alerts"].MemoryMB != 512 {
		t.Errorf("functions %+v", v.Functions)
	}
	if v.AthenaBytesScannedCutoff != 50<<30 {
		t.Errorf("athena cutoff %d", v.AthenaBytesScannedCutoff)
	}
}

func TestGenerate_ReportsConfigProblems(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"global.yaml":  "prefix: x\n",
		"sources.yaml": "sources:\n  s:\n    type: kinesis\n    stream: st\n    log_types: [cloudtrail]\n",
		"deploy.yaml":  "architecture: sparc\nsources:\n  s:\n    shards: 900\n  nope:\n    batch_size: 1\nlog_retention_days: 10\n",
		"hunts/h.yaml": "name: h\nschedule: 90s\nsql: SELECT 1\n",
	} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, ps := config.LoadDir(dir)
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	_, ps = Generate(cfg, Options{})
	got := ps.Err().Error()
	for _, want := range []string{
		`deploy.yaml:1: architecture "sparc" must be arm64 or amd64`,
		"deploy.yaml:4: sources.s: shards 900 must be 0 (on-demand) to 500",
		`deploy.yaml:5: sources: "nope" is not a source of sources.yaml`,
		"deploy.yaml:7: log_retention_days 10 is not a value CloudWatch Logs accepts",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing problem %q in:\n%s", want, got)
		}
	}
	// The hunt problem shows once deploy.yaml is fixed.
	os.Remove(filepath.Join(dir, "deploy.yaml"))
	cfg, _ = config.LoadDir(dir)
	_, ps = Generate(cfg, Options{})
	if got := ps.Err(); got == nil || !strings.Contains(got.Error(), `hunts/h.yaml:2: schedule "90s": want a duration of whole minutes`) {
		t.Errorf("hunt schedule problem: %v", got)
	}
}

// untar reads a .tar.gz of plain files as the functions do
// (STREAMALERT_CONFIG_S3): gzip, then tar entries named by their path.
func untar(t *testing.T, data []byte) fstest.MapFS {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	out := fstest.MapFS{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg || strings.HasPrefix(h.Name, "/") || strings.Contains(h.Name, "..") {
			t.Fatalf("entry %q (type %c) is not a plain relative file", h.Name, h.Typeflag)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = &fstest.MapFile{Data: b}
	}
}

// TestConfigArchive_HoldsTheConfig: the archive deploy writes reads back
// to the same config, and the same config gives the same bytes.
func TestConfigArchive_HoldsTheConfig(t *testing.T) {
	cfg := loadConfig(t, "testdata/aws-conf")
	a, err := ConfigArchive(cfg.FS)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ConfigArchive(cfg.FS)
	if !bytes.Equal(a, b) {
		t.Error("two archives of the same config differ")
	}
	back, ps := config.Load(untar(t, a), "")
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	if !reflect.DeepEqual(back.Sources, cfg.Sources) || !reflect.DeepEqual(back.Global, cfg.Global) {
		t.Error("the archive's config differs from the directory's")
	}
	if d, _ := back.Deploy(); d.Sources["cloudtrail-stream"].Shards != 4 {
		t.Error("deploy.yaml is not in the archive")
	}
}

func TestWrite_Files(t *testing.T) {
	cfg := loadConfig(t, "testdata/aws-conf")
	dir := t.TempDir()
	plan, ps := Generate(cfg, Options{ZipDir: "dist", OutDir: dir})
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	files, err := plan.Write(dir, cfg.FS)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2+len(plan.Vars.Tables) {
		t.Errorf("wrote %d files, want tfvars, archive and %d DDL files", len(files), len(plan.Vars.Tables))
	}
	ddl, err := os.ReadFile(filepath.Join(dir, DDLDir, "unclassified.sql"))
	if err != nil || !strings.Contains(string(ddl), "`raw` string") {
		t.Errorf("unclassified.sql: %v\n%s", err, ddl)
	}
	st, err := os.Stat(filepath.Join(dir, ConfigArchiveName))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("config archive: %v, mode %v (it may hold an HTTP token)", err, st.Mode())
	}
}

// TestTables_PrefixesFollowTheLakeLayout: the prefixes Terraform gets are
// schema's lake layout, the hour Firehose writes is the partition value
// schema.PartitionOf gives, and Glue's template is the DDL's.
func TestTables_PrefixesFollowTheLakeLayout(t *testing.T) {
	plan, ps := Generate(loadConfig(t, "testdata/aws-conf"), Options{})
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	tbl := plan.Vars.Tables["cloudtrail_events"]
	if want := "streamalert/" + schema.TablePrefix("cloudtrail_events"); tbl.Prefix != want || plan.Vars.LakeRoot != "streamalert/"+schema.LakeRoot {
		t.Errorf("prefix %q (want %q), lake root %q", tbl.Prefix, want, plan.Vars.LakeRoot)
	}
	hour := time.Date(2026, 12, 8, 4, 30, 0, 0, time.UTC)
	java := strings.NewReplacer("!{timestamp:", "", "}", "", "yyyy", "2006", "MM", "01", "dd", "02", "HH", "15").Replace(FirehoseHour)
	if got, want := tbl.FirehosePrefix, tbl.Prefix+schema.PartitionFolder(hour.Format(java)); strings.Replace(got, FirehoseHour, hour.Format(java), 1) != want ||
		hour.Format(java) != schema.PartitionOf(hour) {
		t.Errorf("firehose prefix %q: the hour it writes is %q, schema's partition %q", got, hour.Format(java), schema.PartitionOf(hour))
	}
	if !strings.Contains(plan.DDL["cloudtrail_events"], "'storage.location.template' = 's3://acme-security-lake/"+tbl.PartitionTemplate+"'") {
		t.Errorf("the DDL's location template differs from Glue's %q:\n%s", tbl.PartitionTemplate, plan.DDL["cloudtrail_events"])
	}
}

// TestGenerate_HuntsResolved: the schedules are those of the resolved
// hunts — the pack and hunts/, less historical.yaml's disabled ones, with
// its schedule overrides — a feed hunt's records get their table, and the
// hunts function gets historical.yaml's workgroup and result location.
func TestGenerate_HuntsResolved(t *testing.T) {
	plan, ps := Generate(loadConfig(t, "testdata/aws-conf"), Options{ZipDir: "dist", OutDir: "out"})
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	v := plan.Vars
	if _, ok := v.Hunts["dns_new_domain"]; ok {
		t.Error("the disabled hunt dns_new_domain has a schedule")
	}
	for name, want := range map[string]string{
		"vpc_port_scan":             "rate(15 minutes)",
		"okta_login_countries":      "cron(0 6 * * ? *)",
		"ssh_guessing_then_success": "rate(1 hour)", // the pack's
		"outbound_top_talkers":      "rate(1 day)",  // the config's own
		"vpc_rejected_sources":      "rate(1 hour)",
	} {
		if got := v.Hunts[name].Schedule; got != want {
			t.Errorf("hunt %s: schedule %q, want %q", name, got, want)
		}
	}
	if _, ok := v.Tables["streamquery_results"]; !ok {
		t.Error("no streamquery_results table for the feed hunt's records")
	}
	if want := (HuntsAthena{WorkGroup: "acme_hunts", OutputLocation: "s3://acme-athena-results/hunts/"}); v.HuntsAthena != want {
		t.Errorf("hunts_athena %+v, want %+v", v.HuntsAthena, want)
	}
	if v.LambdaZips["hunts"] != "dist/hunts_arm64.zip" || v.Functions["hunts"].TimeoutSeconds != 900 {
		t.Errorf("hunts function: zip %q, %+v", v.LambdaZips["hunts"], v.Functions["hunts"])
	}
}
