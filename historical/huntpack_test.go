package historical

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/laketest"
	"github.com/streamalert/streamalert/queries"
	"github.com/streamalert/streamalert/schema"
)

// The pack's hunts run over lakes generated for each of them, with a known
// answer: records that must be found, and near misses (below a threshold,
// outside the window, already seen in the lookback) that must not.

// huntEnd is the end of every test run's window: midnight, so that hourly
// and daily schedules both end there.
var huntEnd = time.Date(2024, 6, 10, 0, 0, 0, 0, time.UTC)

// event is one payload of a log type and when it happened; it arrives in
// the lake two minutes later.
type event struct {
	logType string
	at      time.Time
	payload string
}

// in returns a time d before the end of the window (inside an hourly
// window for d up to an hour).
func in(d time.Duration) time.Time { return huntEnd.Add(-d) }

func cloudtrail(at time.Time, arn, key, ip, region, source, name, errCode string) event {
	ec := ""
	if errCode != "" {
		ec = fmt.Sprintf(`,"errorCode":%q`, errCode)
	}
	return event{"cloudtrail:events", at, fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":%q,"accessKeyId":%q,"accountId":"123456789012"},"eventTime":%q,"eventSource":%q,"eventName":%q,"awsRegion":%q,"sourceIPAddress":%q%s}`,
		arn, key, at.Format(time.RFC3339), source, name, region, ip, ec)}
}

func authLine(at time.Time, host, program, msg string) event {
	return event{"linux:auth", at, fmt.Sprintf("%s %s %s[4242]: %s", at.Format(time.RFC3339), host, program, msg)}
}

func s3Line(at time.Time, bucket, ip, requester, op, key string, status int) event {
	return event{"aws:s3_access", at, fmt.Sprintf(`79a59df900b949e5 %s [%s] %s %s REQ%d %s %s "GET /%s HTTP/1.1" %d - 100 100 5 2 "-" "aws-cli/2" -`,
		bucket, at.Format("02/Jan/2006:15:04:05 -0700"), ip, requester, at.UnixNano(), op, key, key, status)}
}

func flow(at time.Time, src, dst string, dport int, action string) event {
	return event{"aws:vpc_flow", at, fmt.Sprintf("2 123456789012 eni-0a1b2c3d %s %s 49152 %d 6 10 840 %d %d %s OK", src, dst, dport, at.Unix(), at.Unix()+60, action)}
}

func dnsQuery(at time.Time, src, name string) event {
	return event{"aws:route53_resolver", at, fmt.Sprintf(`{"version":"1.100000","account_id":"123456789012","region":"us-east-1","query_timestamp":%q,"query_name":%q,"query_type":"A","rcode":"NOERROR","srcaddr":%q}`,
		at.Format(time.RFC3339), name, src)}
}

func process(at time.Time, host, path string) event {
	return event{"osquery:differential", at, fmt.Sprintf(`{"name":"pack_ir_processes","hostIdentifier":%q,"unixTime":%d,"columns":{"path":%q,"pid":"100"},"action":"added"}`,
		host, at.Unix(), path)}
}

func okta(at time.Time, user, eventType, result, country string) event {
	return event{"okta:system", at, fmt.Sprintf(`{"uuid":"%d","published":%q,"eventType":%q,"severity":"INFO","actor":{"type":"User","alternateId":%q},"client":{"ipAddress":"203.0.113.5","geographicalContext":{"country":%q}},"outcome":{"result":%q}}`,
		at.UnixNano(), at.Format(time.RFC3339), eventType, user, country, result)}
}

// repeat makes n events, the i-th from f(i).
func repeat(n int, f func(i int) event) []event {
	out := make([]event, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func concat(groups ...[]event) []event { return slices.Concat(groups...) }

const (
	alice = "arn:aws:iam::123456789012:user/alice"
	bob   = "arn:aws:iam::123456789012:user/bob"
)

type huntCase struct {
	hunt   string
	events []event
	// want lists the rows expected, each as column=value pairs (a subset
	// of the columns), in the hunt's order.
	want []map[string]string
}

func huntCases() []huntCase {
	min := time.Minute
	day := 24 * time.Hour
	return []huntCase{
		{"cloudtrail_api_error_burst", concat(
			// alice: 25 refusals over 6 actions in the window.
			repeat(25, func(i int) event {
				return cloudtrail(in(time.Duration(i+1)*min), alice, "AKIAALICE", "198.51.100.1", "us-east-1", "iam.amazonaws.com", fmt.Sprintf("ListThing%d", i%6), "AccessDenied")
			}),
			// bob: 30 refusals but of one action; and alice's refusals an hour earlier.
			repeat(30, func(i int) event {
				return cloudtrail(in(5*min), bob, "AKIABOB", "198.51.100.2", "us-east-1", "s3.amazonaws.com", "GetObject", "AccessDenied")
			}),
			repeat(25, func(i int) event {
				return cloudtrail(in(90*min), bob, "AKIABOB", "198.51.100.2", "us-east-1", "iam.amazonaws.com", fmt.Sprintf("List%d", i), "AccessDenied")
			}),
		), []map[string]string{{"principal": alice, "errors": "25", "actions": "6"}}},

		{"cloudtrail_access_key_new_ip", concat(
			[]event{
				cloudtrail(in(3*day), alice, "AKIAALICE", "198.51.100.1", "us-east-1", "s3.amazonaws.com", "ListBuckets", ""),
				cloudtrail(in(10*min), alice, "AKIAALICE", "198.51.100.1", "us-east-1", "s3.amazonaws.com", "ListBuckets", ""), // known address
				cloudtrail(in(9*min), alice, "AKIAALICE", "203.0.113.66", "us-east-1", "s3.amazonaws.com", "ListBuckets", ""),  // new address
				cloudtrail(in(8*min), alice, "AKIAALICE", "203.0.113.66", "us-east-1", "s3.amazonaws.com", "GetObject", ""),    // same
				cloudtrail(in(7*min), bob, "AKIABOBNEW", "203.0.113.77", "us-east-1", "s3.amazonaws.com", "ListBuckets", ""),   // a key never seen: not this hunt's
				cloudtrail(in(6*min), bob, "ASIATEMP", "203.0.113.88", "us-east-1", "s3.amazonaws.com", "ListBuckets", ""),     // temporary keys rotate
				cloudtrail(in(20*day), bob, "AKIAOLD", "198.51.100.9", "us-east-1", "s3.amazonaws.com", "ListBuckets", ""),     // before the lookback
				cloudtrail(in(5*min), bob, "AKIAOLD", "203.0.113.99", "us-east-1", "s3.amazonaws.com", "ListBuckets", ""),      // its history is out of reach
			},
		), []map[string]string{{"access_key_id": "AKIAALICE", "source_ip": "203.0.113.66", "calls": "2"}}},

		{"cloudtrail_discovery_burst", concat(
			repeat(16, func(i int) event {
				src := []string{"iam.amazonaws.com", "ec2.amazonaws.com", "s3.amazonaws.com"}[i%3]
				return cloudtrail(in(time.Duration(i+1)*min), alice, "AKIAALICE", "198.51.100.1", "us-east-1", src, fmt.Sprintf("Describe%d", i), "")
			}),
			// bob: many actions of one service.
			repeat(20, func(i int) event {
				return cloudtrail(in(time.Duration(i+1)*min), bob, "AKIABOB", "198.51.100.2", "us-east-1", "iam.amazonaws.com", fmt.Sprintf("List%d", i), "")
			}),
		), []map[string]string{{"principal": alice, "actions": "16", "services": "3"}}},

		{"cloudtrail_new_region", []event{
			cloudtrail(in(5*day), alice, "AKIAALICE", "198.51.100.1", "us-east-1", "ec2.amazonaws.com", "RunInstances", ""),
			cloudtrail(in(10*min), alice, "AKIAALICE", "198.51.100.1", "us-east-1", "ec2.amazonaws.com", "RunInstances", ""),
			cloudtrail(in(9*min), alice, "AKIAALICE", "198.51.100.1", "ap-southeast-3", "ec2.amazonaws.com", "RunInstances", ""),
			cloudtrail(in(8*min), bob, "AKIABOB", "198.51.100.2", "eu-west-1", "ec2.amazonaws.com", "RunInstances", ""), // no history: not judged
		}, []map[string]string{{"principal": alice, "region": "ap-southeast-3", "calls": "1"}}},

		{"s3_get_volume_spike", concat(
			// etl: 10 an hour for days, then 120 this hour: a spike.
			repeat(48, func(i int) event {
				return s3Line(in(time.Duration(i+2)*time.Hour), "data", "10.0.0.1", "arn:aws:sts::123456789012:assumed-role/etl/s", "REST.GET.OBJECT", fmt.Sprintf("k%d", i), 200)
			}),
			repeat(120, func(i int) event {
				return s3Line(in(time.Duration(i%50+1)*min), "data", "10.0.0.1", "arn:aws:sts::123456789012:assumed-role/etl/s", "REST.GET.OBJECT", fmt.Sprintf("n%d", i), 200)
			}),
			// backup: always 200 an hour: busy, not a spike.
			repeat(200, func(i int) event {
				return s3Line(in(2*time.Hour+time.Duration(i%50)*min), "data", "10.0.0.2", "arn:aws:sts::123456789012:assumed-role/backup/s", "REST.GET.OBJECT", fmt.Sprintf("b%d", i), 200)
			}),
			repeat(200, func(i int) event {
				return s3Line(in(time.Duration(i%50+1)*min), "data", "10.0.0.2", "arn:aws:sts::123456789012:assumed-role/backup/s", "REST.GET.OBJECT", fmt.Sprintf("c%d", i), 200)
			}),
		), []map[string]string{{"requester": "arn:aws:sts::123456789012:assumed-role/etl/s", "gets": "120", "peak_hour_in_lookback": "1"}}},

		{"s3_access_denied_burst", concat(
			repeat(30, func(i int) event {
				return s3Line(in(time.Duration(i+1)*min), "secrets", "203.0.113.5", "-", "REST.GET.OBJECT", fmt.Sprintf("guess%d", i%12), 403)
			}),
			// many refusals of one key: a broken job, not a scan.
			repeat(40, func(i int) event {
				return s3Line(in(time.Duration(i+1)*min), "secrets", "10.0.0.9", "arn:aws:iam::123456789012:user/job", "REST.GET.OBJECT", "config.json", 403)
			}),
		), []map[string]string{{"remote_ip": "203.0.113.5", "denied": "30", "objects": "12"}}},

		{"ssh_guessing_then_success", concat(
			repeat(12, func(i int) event {
				return authLine(in(time.Duration(40-i)*min), "web1", "sshd", fmt.Sprintf("Failed password for root from 198.51.100.7 port %d ssh2", 40000+i))
			}),
			[]event{authLine(in(10*min), "web1", "sshd", "Accepted password for root from 198.51.100.7 port 40100 ssh2")},
			// guessing without success; and a success after too few failures.
			repeat(15, func(i int) event {
				return authLine(in(time.Duration(30-i)*min), "web1", "sshd", "Failed password for admin from 198.51.100.8 port 40000 ssh2")
			}),
			repeat(3, func(i int) event {
				return authLine(in(time.Duration(30-i)*min), "web1", "sshd", "Failed password for alice from 10.0.0.4 port 40000 ssh2")
			}),
			[]event{authLine(in(20*min), "web1", "sshd", "Accepted publickey for alice from 10.0.0.4 port 40001 ssh2: ED25519 SHA256:abc")},
		), []map[string]string{{"src_ip": "198.51.100.7", "failures": "12", "account": "root"}}},

		{"ssh_user_enumeration", concat(
			repeat(10, func(i int) event {
				return authLine(in(time.Duration(i+1)*min), "web1", "sshd", fmt.Sprintf("Invalid user user%d from 198.51.100.9 port 40000", i))
			}),
			// one account guessed many times: not enumeration.
			repeat(20, func(i int) event {
				return authLine(in(time.Duration(i+1)*min), "web1", "sshd", "Failed password for root from 198.51.100.10 port 40000 ssh2")
			}),
		), []map[string]string{{"src_ip": "198.51.100.9", "accounts": "10", "invalid_attempts": "10"}}},

		{"sudo_failures_per_user", concat(
			repeat(3, func(i int) event {
				return authLine(in(time.Duration(i+1)*min), "db1", "sudo", "mallory : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/mallory ; USER=root ; COMMAND=/bin/bash")
			}),
			repeat(2, func(i int) event {
				return authLine(in(time.Duration(i+1)*min), "db1", "sudo", "alice : 1 incorrect password attempt ; TTY=pts/1 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update")
			}),
			repeat(5, func(i int) event {
				return authLine(in(time.Duration(i+1)*min), "db1", "sudo", "alice : TTY=pts/1 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update")
			}),
		), []map[string]string{{"hostname": "db1", "sudo_user": "mallory", "failures": "3", "reason": "3 incorrect password attempts"}}},

		{"vpc_rare_port", concat(
			repeat(20, func(i int) event {
				return flow(in(time.Duration(i+2)*time.Hour), "10.0.0.5", "10.0.1.1", 443, "ACCEPT")
			}),
			repeat(20, func(i int) event { return flow(in(time.Duration(i+1)*min), "10.0.0.5", "10.0.1.1", 443, "ACCEPT") }),
			repeat(3, func(i int) event { return flow(in(time.Duration(i+1)*min), "10.0.0.6", "10.0.1.2", 4444, "ACCEPT") }),
			[]event{flow(in(3*min), "10.0.0.6", "10.0.1.2", 5555, "REJECT"), flow(in(3*min), "10.0.0.6", "10.0.1.2", 40000, "ACCEPT")},
		), []map[string]string{{"dstport": "4444", "flows": "3", "flows_in_lookback": "0"}}},

		{"vpc_port_scan", concat(
			repeat(60, func(i int) event {
				return flow(in(time.Duration(i%50+1)*min), "203.0.113.9", "10.0.1.1", 1000+i, "REJECT")
			}),
			// many ports, all accepted: a busy client, not a scan.
			repeat(60, func(i int) event {
				return flow(in(time.Duration(i%50+1)*min), "10.0.0.7", "10.0.1.1", 2000+i, "ACCEPT")
			}),
		), []map[string]string{{"srcaddr": "203.0.113.9", "ports": "60", "rejected": "60"}}},

		{"dns_new_domain", []event{
			dnsQuery(in(2*day), "10.0.0.5", "www.example.com."),
			dnsQuery(in(10*min), "10.0.0.5", "api.example.com."),      // known domain
			dnsQuery(in(9*min), "10.0.0.5", "cdn.newly-bad.net."),     // new
			dnsQuery(in(8*min), "10.0.0.6", "x.cdn.newly-bad.net."),   // new, second client
			dnsQuery(in(7*min), "10.0.0.6", "5.1.0.10.in-addr.arpa."), // reverse lookups are left out
		}, []map[string]string{{"domain": "newly-bad.net", "queries": "2", "clients": "2"}}},

		{"dns_tunneling_subdomains", concat(
			repeat(55, func(i int) event {
				return dnsQuery(in(time.Duration(i%50+1)*min), "10.0.0.8", fmt.Sprintf("%040x.t.exfil.example.", i))
			}),
			// many short names: a busy CDN client.
			repeat(60, func(i int) event {
				return dnsQuery(in(time.Duration(i%50+1)*min), "10.0.0.9", fmt.Sprintf("img%d.cdn.example.", i))
			}),
		), []map[string]string{{"srcaddr": "10.0.0.8", "domain": "exfil.example", "names": "55"}}},

		{"osquery_rare_process", []event{
			process(in(3*day), "h1", "/usr/bin/ssh"),
			process(in(10*min), "h2", "/usr/bin/ssh"),  // seen before
			process(in(9*min), "h3", "/tmp/.x/miner"),  // new, one host
			process(in(8*min), "h3", "/tmp/.x/miner"),  // twice
			process(in(7*min), "h1", "/opt/new/agent"), // new, but on three hosts: a rollout
			process(in(7*min), "h2", "/opt/new/agent"),
			process(in(7*min), "h3", "/opt/new/agent"),
		}, []map[string]string{{"path": "/tmp/.x/miner", "host": "h3", "launches": "2", "hosts_in_lookback": "1"}}},

		{"okta_login_countries", []event{
			okta(in(20*time.Hour), "alice@example.com", "user.session.start", "SUCCESS", "Netherlands"),
			okta(in(2*time.Hour), "alice@example.com", "user.session.start", "SUCCESS", "Brazil"),
			okta(in(3*time.Hour), "bob@example.com", "user.session.start", "SUCCESS", "Netherlands"),
			okta(in(2*time.Hour), "bob@example.com", "user.session.start", "SUCCESS", "Netherlands"),
			okta(in(2*time.Hour), "bob@example.com", "user.session.start", "FAILURE", "Russia"),   // failed: not a login
			okta(in(30*time.Hour), "carol@example.com", "user.session.start", "SUCCESS", "Japan"), // yesterday
			okta(in(2*time.Hour), "carol@example.com", "user.session.start", "SUCCESS", "Chile"),
		}, []map[string]string{{"user_login": "alice@example.com", "countries": "2", "country_list": "Brazil, Netherlands"}}},

		{"okta_mfa_push_fatigue", concat(
			repeat(6, func(i int) event {
				return okta(in(time.Duration(40-i)*min), "alice@example.com", "user.mfa.okta_verify.deny_push", "DENY", "Netherlands")
			}),
			[]event{okta(in(20*min), "alice@example.com", "user.authentication.auth_via_mfa", "SUCCESS", "Netherlands")},
			repeat(6, func(i int) event {
				return okta(in(time.Duration(40-i)*min), "bob@example.com", "user.mfa.okta_verify.deny_push", "DENY", "Netherlands")
			}),
			// bob's success came before the denials.
			[]event{okta(in(50*min), "bob@example.com", "user.authentication.auth_via_mfa", "SUCCESS", "Netherlands")},
		), []map[string]string{{"user_login": "alice@example.com", "denials": "6"}}},
	}
}

// far is an event of the same log type 40 days before the window, in a
// partition no run of the hunt may read.
func far(e event) event {
	e.at = e.at.Add(-40 * 24 * time.Hour)
	return e
}

func TestHuntPack_KnownAnswers(t *testing.T) {
	hunts, errs := queries.HuntPack()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	byName := map[string]*queries.Hunt{}
	for _, h := range hunts {
		byName[h.Name] = h
	}
	cases := huntCases()
	tested := map[string]bool{}
	reg := testRegistry(t)
	for _, tc := range cases {
		tested[tc.hunt] = true
		t.Run(tc.hunt, func(t *testing.T) {
			h := byName[tc.hunt]
			if h == nil {
				t.Fatalf("no hunt %s in the pack", tc.hunt)
			}
			dir := t.TempDir()
			var recs []*schema.Record
			for _, e := range append(tc.events, far(tc.events[0])) {
				recs = append(recs, laketest.Classify(t, reg, e.logType, []string{e.payload}, e.at.Add(2*time.Minute))...)
			}
			laketest.Write(t, dir, recs)
			e := openEngine(t, dir, reg)

			start, end := h.Schedule.Window(huntEnd)
			sql, err := h.Render(queries.DuckDB, start, end, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Execute(context.Background(), sql)
			if err != nil {
				t.Fatalf("%v\n%s", err, sql)
			}
			if len(res.Rows) != len(tc.want) {
				t.Errorf("%d rows, want %d:\n%s\n%s", len(res.Rows), len(tc.want), table(res.Columns, res.Rows), sql)
			}
			for i := range min(len(res.Rows), len(tc.want)) {
				for col, want := range tc.want[i] {
					j := slices.Index(res.Columns, col)
					if j < 0 {
						t.Fatalf("no column %s in %v", col, res.Columns)
					}
					if got := cell(res.Rows[i][j]); got != want {
						t.Errorf("row %d: %s = %q, want %q", i, col, got, want)
					}
				}
				for _, k := range h.Key {
					if !slices.Contains(res.Columns, k) {
						t.Errorf("key column %s is not a result column (%v)", k, res.Columns)
					}
				}
			}

			// The run read only the partitions of its range, not the far one.
			from, to := h.Partitions(queries.TimeRange{From: start, To: end})
			files, err := listFiles(e.Lake(), nil)
			if err != nil {
				t.Fatal(err)
			}
			known := map[string]bool{}
			for _, lt := range reg.All() {
				known[lt.Table()] = true
			}
			tables := queries.Tables(sql, func(s string) bool { return known[s] })
			inRange, outside := 0, 0
			for _, f := range files {
				if !slices.Contains(tables, f.table) {
					continue
				}
				if f.dt >= from && f.dt <= to {
					inRange++
				} else {
					outside++
				}
			}
			if outside == 0 {
				t.Fatal("the lake has no file outside the run's partitions: the test proves nothing")
			}
			if res.Stats.Files != inRange {
				t.Errorf("the run read %d files; the %d partitions in [%s, %s] hold %d (and %d outside)", res.Stats.Files, inRange, from, to, inRange, outside)
			}
		})
	}
	for _, h := range hunts {
		if !tested[h.Name] {
			t.Errorf("hunt %s has no known-answer test", h.Name)
		}
	}
}

// table renders rows for a failure message.
func table(cols []string, rows [][]any) string {
	var b strings.Builder
	b.WriteString(strings.Join(cols, " | "))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, v := range r {
			cells[i] = cell(v)
		}
		b.WriteString("\n" + strings.Join(cells, " | "))
	}
	return b.String()
}
