package deploy

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/streamalert/streamalert/alerts"
	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/historical/scheduler"
	"github.com/streamalert/streamalert/internal/config"
	"github.com/streamalert/streamalert/internal/config/hunts"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/schema"
)

// Options say where the generated files point to.
type Options struct {
	// ZipDir holds the zips of `streamalert lambda package`.
	ZipDir string
	// OutDir is where Write puts the files; ConfigArchive points into it.
	OutDir string
}

// FirehoseHour is the dt partition value as Firehose's timestamp namespace
// writes it: the arrival hour in UTC, the layout of schema.PartitionOf
// (YYYY-MM-DD-HH) in Java's notation.
const FirehoseHour = "!{timestamp:yyyy-MM-dd-HH}"

// Functions are the Lambda functions the deployment runs.
var Functions = []string{"classifier", "alerts", "hunts"}

// Plan is what Generate derives from a config: the variables and the
// tables' Athena DDL, by table name.
type Plan struct {
	Vars Vars
	DDL  map[string]string
	// Notes are things the user should know (a local lake path replaced
	// by a bucket, for instance), one sentence each.
	Notes []string
}

// Generate derives the deployment's variables from a loaded config. The
// config's problems (sources, deploy.yaml, hunts) are returned with
// file:line; nothing is generated from a config with problems.
func Generate(cfg *config.Config, opts Options) (*Plan, config.Problems) {
	// The one resolver: log types and the types each source carries.
	res, err := config.Resolve(cfg, config.Parts{})
	if err != nil {
		var pe *config.ProblemsError
		if errors.As(err, &pe) {
			return nil, pe.Problems
		}
		return nil, config.Problems{{Msg: err.Error()}}
	}
	dep, ps := cfg.Deploy()
	if len(ps) > 0 {
		return nil, ps
	}
	// The hunts that run: the pack and hunts/, less those disabled, with
	// historical.yaml's schedule overrides (the one hunt resolver).
	hs, hist, hps := hunts.Resolve(cfg)
	ps = append(ps, hps...)
	p := &Plan{DDL: map[string]string{}}
	g := cfg.Global
	v := &p.Vars
	v.Prefix, v.Region = g.Prefix, g.Region
	v.GlueDatabase = strings.ReplaceAll(g.Prefix, "-", "_")
	if rest, ok := strings.CutPrefix(g.Lake, "s3://"); ok {
		bucket, prefix, _ := strings.Cut(rest, "/")
		v.LakeBucket = bucket
		if prefix = strings.Trim(prefix, "/"); prefix != "" {
			v.LakePrefix = prefix + "/"
		}
	} else {
		v.LakeBucket = g.Prefix + "-streamalert-lake"
		p.Notes = append(p.Notes, fmt.Sprintf("global.yaml: lake %s is local; the AWS deployment keeps the lake in the bucket %s (set lake: s3://BUCKET/PREFIX to choose)", g.Lake, v.LakeBucket))
	}
	v.LakeRoot = v.LakePrefix + schema.LakeRoot
	v.Architecture = dep.Architecture
	v.LambdaZips = map[string]string{}
	v.Functions = map[string]FunctionVars{}
	for _, f := range Functions {
		v.LambdaZips[f] = path.Join(opts.ZipDir, f+"_"+dep.Architecture+".zip")
		fd := dep.Functions[f]
		v.Functions[f] = FunctionVars{MemoryMB: fd.MemoryMB, TimeoutSeconds: fd.TimeoutSeconds}
	}
	v.ConfigArchive = path.Join(opts.OutDir, ConfigArchiveName)
	v.LogRetentionDays = dep.LogRetentionDays
	v.Buffer = Buffer{SizeMiB: g.Buffer.SizeMiB, IntervalSeconds: g.Buffer.IntervalSeconds}
	v.TransitionIADays, v.ExpireDays = dep.TransitionIADays, dep.ExpireDays
	v.AthenaBytesScannedCutoff = int64(dep.AthenaBytesScannedCutoffGiB) << 30
	v.DispatchSchedule = dep.DispatchSchedule
	v.AlarmEmail = dep.AlarmEmail
	v.UnclassifiedAlarmPercent = dep.UnclassifiedAlarmPercent

	v.HuntsAthena = HuntsAthena{WorkGroup: hist.Athena.WorkGroup, OutputLocation: hist.Athena.OutputLocation}
	feed := false
	for _, h := range hs {
		feed = feed || h.Output == queries.HuntFeed
	}
	ps = append(ps, sources(res, dep, p, feed)...)
	ps = append(ps, outputs(cfg, v)...)
	v.Hunts = map[string]Hunt{}
	for _, h := range hs {
		s, err := h.Schedule.EventBridge()
		if err != nil {
			ps = append(ps, config.Problem{File: h.File, Line: h.Line, Msg: fmt.Sprintf("hunt %s: %v", h.Name, err)})
			continue
		}
		v.Hunts[h.Name] = Hunt{Schedule: s, Description: h.Description}
	}
	if len(ps) > 0 {
		ps.Sort()
		return nil, ps
	}
	return p, nil
}

// sources turns every source with an AWS trigger into its trigger
// variables and collects the tables of the log types they carry.
// A feed hunt's records (streamquery:results) get their table too.
func sources(res *config.Resolved, dep config.Deploy, p *Plan, feed bool) config.Problems {
	var ps config.Problems
	v := &p.Vars
	v.KinesisSources = map[string]KinesisSource{}
	v.SQSSources = map[string]SQSSource{}
	v.S3Sources = map[string]S3Source{}
	v.SNSSources = map[string]SNSSource{}
	v.HTTPSources = map[string]HTTPSource{}
	v.Tables = map[string]Table{}
	var used []*schema.LogType
	for _, s := range res.Config.Sources {
		d := dep.Sources[s.Name]
		switch s.Kind {
		case "kinesis":
			k := KinesisSource{Stream: arnName(s.Stream), Create: d.Create == nil || *d.Create, Shards: d.Shards,
				RetentionHours: or(d.RetentionHours, 24), BatchSize: or(d.BatchSize, 500), BatchWindowSeconds: d.BatchWindowSeconds}
			v.KinesisSources[s.Name] = k
		case "sqs":
			queue := s.Queue
			if strings.HasPrefix(queue, "https://") {
				arn, err := queueARN(queue)
				if err != nil {
					ps = append(ps, config.Problem{File: s.File, Line: s.Line, Msg: fmt.Sprintf("source %s: queue: %v", s.Name, err)})
					continue
				}
				queue = arn
			}
			v.SQSSources[s.Name] = SQSSource{Queue: queue, BatchSize: or(d.BatchSize, 10), BatchWindowSeconds: d.BatchWindowSeconds}
		case "s3":
			v.S3Sources[s.Name] = S3Source{Bucket: arnName(s.Bucket), KeyPrefix: d.KeyPrefix, BatchSize: or(d.BatchSize, 10), BatchWindowSeconds: d.BatchWindowSeconds}
		case "sns":
			v.SNSSources[s.Name] = SNSSource{Topic: s.Topic}
		case "http":
			v.HTTPSources[s.Name] = HTTPSource{Endpoint: orString(d.Endpoint, "function_url")}
		default:
			continue // file and syslog sources are local only
		}
		used = append(used, res.SourceTypes[s.Name]...)
	}
	if feed {
		if lt := res.Registry.Get(scheduler.FeedLogType); lt != nil {
			used = append(used, lt)
		}
	}
	used = append(used, firehose.Unclassified, firehose.Alerts)
	for _, lt := range used {
		name := lt.Table()
		if _, ok := v.Tables[name]; ok {
			continue
		}
		logType := lt.Name
		if lt == firehose.Unclassified || lt == firehose.Alerts {
			logType = ""
		}
		prefix := v.LakePrefix + schema.TablePrefix(name)
		v.Tables[name] = Table{LogType: logType, Description: lt.Description, Columns: lt.GlueColumns(),
			Prefix: prefix, FirehosePrefix: prefix + schema.PartitionFolder(FirehoseHour),
			PartitionTemplate: prefix + schema.PartitionFolder("${dt}")}
		p.DDL[name] = lt.AthenaDDL(v.GlueDatabase, "s3://"+v.LakeBucket+"/"+prefix)
	}
	return ps
}

// outputs lists the secret parameters and the AWS targets of the outputs.
func outputs(cfg *config.Config, v *Vars) config.Problems {
	var ps config.Problems
	v.SecretsSSMPrefix = "/" + v.Prefix + "/outputs"
	v.OutputSecretParameters = []string{}
	t := &v.OutputTargets
	*t = OutputTargets{SNSTopicARNs: []string{}, SQSQueueARNs: []string{}, LambdaFunctions: []string{},
		FirehoseStreams: []string{}, S3Objects: []string{}, SESIdentities: []string{}}
	for _, o := range cfg.Outputs {
		svc, ok := alerts.LookupService(o.Service)
		if !ok {
			ps = append(ps, config.Problem{File: o.File, Line: o.Line, Msg: fmt.Sprintf("output %s: unknown service %q", o.Name, o.Service)})
			continue
		}
		// email's secrets are SMTP credentials; over SES it has none.
		if len(svc.Secrets) > 0 && !(o.Service == "email" && o.Settings["transport"] == "ses") {
			_, desc, _ := strings.Cut(o.Name, ":")
			v.OutputSecretParameters = append(v.OutputSecretParameters, o.Service+"/"+desc)
		}
		set := o.Settings
		switch o.Service {
		case "sns":
			t.SNSTopicARNs = append(t.SNSTopicARNs, set["topic_arn"])
		case "sqs":
			arn, err := queueARN(set["queue_url"])
			if err != nil {
				ps = append(ps, config.Problem{File: o.File, Line: o.Line, Msg: fmt.Sprintf("output %s: queue_url: %v", o.Name, err)})
				continue
			}
			t.SQSQueueARNs = append(t.SQSQueueARNs, arn)
		case "lambda":
			t.LambdaFunctions = append(t.LambdaFunctions, set["function"])
		case "firehose":
			t.FirehoseStreams = append(t.FirehoseStreams, set["stream"])
		case "s3":
			t.S3Objects = append(t.S3Objects, set["bucket"]+"/"+strings.Trim(orString(set["prefix"], "alerts"), "/"))
		case "email":
			if set["transport"] == "ses" {
				from := set["from"]
				if i := strings.LastIndexByte(from, '<'); i >= 0 {
					from = strings.TrimSuffix(from[i+1:], ">")
				}
				t.SESIdentities = append(t.SESIdentities, from)
				if _, domain, ok := strings.Cut(from, "@"); ok {
					t.SESIdentities = append(t.SESIdentities, domain)
				}
			}
		}
	}
	for _, l := range [][]string{v.OutputSecretParameters, t.SNSTopicARNs, t.SQSQueueARNs, t.LambdaFunctions, t.FirehoseStreams, t.S3Objects, t.SESIdentities} {
		sort.Strings(l)
	}
	t.SESIdentities = dedupe(t.SESIdentities)
	return ps
}

// queueARN turns https://sqs.REGION.amazonaws.com/ACCOUNT/NAME into the
// queue's ARN.
func queueARN(queueURL string) (string, error) {
	u, err := url.Parse(queueURL)
	if err != nil {
		return "", err
	}
	parts := strings.Split(u.Host, ".")
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 3 || parts[0] != "sqs" || len(segs) != 2 {
		return "", fmt.Errorf("%q is not an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)", queueURL)
	}
	return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", parts[1], segs[0], segs[1]), nil
}

// arnName takes a resource's name from an ARN (the part after the last
// ':'), or returns a plain name as it is.
func arnName(s string) string {
	if strings.HasPrefix(s, "arn:") {
		return s[strings.LastIndexByte(s, ':')+1:]
	}
	return s
}

func or(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}
