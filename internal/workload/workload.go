// Package workload generates seeded log files for benchmarks and for tests
// that need input of a given size: CloudTrail JSON lines, VPC flow log
// lines (the default version 2 format), sshd syslog lines (linux:auth), or
// the three interleaved. The same kind and seed always give the same bytes.
//
// The events are shaped as the services write them and spread the way real
// traffic is: a few accounts and regions, a few hundred users and a few
// thousand addresses, distinct request and event ids, and a small share of
// events (about one in twenty) that the shipped rule pack alerts on.
package workload

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// Kind is a workload's log format.
type Kind uint8

const (
	CloudTrail Kind = iota // cloudtrail:events, one JSON object per line
	VPCFlow                // aws:vpc_flow, space-separated lines
	Syslog                 // linux:auth, RFC 3164 lines from sshd
	Mixed                  // the three in turn
)

// Kinds lists every kind, in the order benchmarks report them.
var Kinds = []Kind{CloudTrail, VPCFlow, Syslog, Mixed}

var kindNames = [...]string{"cloudtrail", "vpcflow", "syslog", "mixed"}

func (k Kind) String() string { return kindNames[k] }

// ParseKind returns the kind named s (cloudtrail, vpcflow, syslog, mixed).
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if n == s {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("workload %q: want one of cloudtrail, vpcflow, syslog, mixed", s)
}

// start is the event time of the first event; each event is 10 ms after
// the one before, so a million events span about three hours.
var start = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

// Generator makes the events of one kind and seed, in order.
type Generator struct {
	kind Kind
	rng  *rand.Rand
	n    int // events made so far
}

// New returns a generator of kind seeded with seed.
func New(kind Kind, seed uint64) *Generator {
	return &Generator{kind: kind, rng: rand.New(rand.NewPCG(seed, 0x5eed))}
}

// Append appends the next event, a line with its "\n", to dst.
func (g *Generator) Append(dst []byte) []byte {
	k := g.kind
	if k == Mixed {
		k = Kind(g.n % 3)
	}
	t := start.Add(time.Duration(g.n) * 10 * time.Millisecond)
	switch k {
	case CloudTrail:
		dst = g.cloudTrail(dst, t)
	case VPCFlow:
		dst = g.vpcFlow(dst, t)
	default:
		dst = g.syslog(dst, t)
	}
	g.n++
	return append(dst, '\n')
}

// Write writes events to w until at least size bytes are written, and
// returns how many events and bytes it wrote.
func Write(w io.Writer, kind Kind, seed uint64, size int64) (events int, written int64, err error) {
	g := New(kind, seed)
	bw := bufio.NewWriterSize(w, 256<<10)
	var line []byte
	for written < size {
		line = g.Append(line[:0])
		if _, err := bw.Write(line); err != nil {
			return events, written, err
		}
		written += int64(len(line))
		events++
	}
	return events, written, bw.Flush()
}

// Lines returns n events of kind, each line without its "\n".
func Lines(kind Kind, seed uint64, n int) [][]byte {
	g := New(kind, seed)
	out := make([][]byte, n)
	for i := range out {
		l := g.Append(nil)
		out[i] = l[:len(l)-1]
	}
	return out
}

var (
	accounts = []string{"111122223333", "444455556666", "777788889999", "123456789012", "210987654321", "135792468024"}
	regions  = []string{"us-east-1", "us-east-1", "us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"}
	agents   = []string{
		"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.amzn.2 prompt/off command/ec2.describe-instances",
		"Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
		"aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2 md/GOOS#linux md/GOARCH#amd64 api/s3#1.53.1",
		"console.amazonaws.com",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	}
)

// A CloudTrail API call: service, name, read-only, and how its request
// parameters look.
type apiCall struct {
	source, name string
	readOnly     bool
	params       func(g *Generator, dst []byte) []byte
}

func noParams(_ *Generator, dst []byte) []byte { return append(dst, "null"...) }

func instanceParams(g *Generator, dst []byte) []byte {
	dst = append(dst, `{"instancesSet":{"items":[{"instanceId":"i-0`...)
	dst = g.hex(dst, 16)
	return append(dst, `"}]},"filterSet":{}}`...)
}

func bucketParams(g *Generator, dst []byte) []byte {
	dst = append(dst, `{"bucketName":"data-`...)
	dst = strconv.AppendInt(dst, int64(g.rng.IntN(40)), 10)
	dst = append(dst, `","key":"logs/2026/05/01/part-`...)
	dst = strconv.AppendInt(dst, int64(g.rng.IntN(100000)), 10)
	return append(dst, `.json.gz","Host":"s3.amazonaws.com"}`...)
}

func roleParams(g *Generator, dst []byte) []byte {
	dst = append(dst, `{"roleArn":"arn:aws:iam::`...)
	dst = append(dst, accounts[g.rng.IntN(len(accounts))]...)
	dst = append(dst, `:role/deploy-`...)
	dst = strconv.AppendInt(dst, int64(g.rng.IntN(20)), 10)
	dst = append(dst, `","roleSessionName":"session-`...)
	dst = g.hex(dst, 8)
	return append(dst, `","durationSeconds":3600}`...)
}

func userParams(g *Generator, dst []byte) []byte {
	dst = append(dst, `{"userName":"svc-`...)
	dst = g.hex(dst, 6)
	return append(dst, `"}`...)
}

// Benign calls come first and far more often; the last ones are those
// the rule pack alerts on.
var (
	benign = []apiCall{
		{"ec2.amazonaws.com", "DescribeInstances", true, instanceParams},
		{"s3.amazonaws.com", "GetObject", true, bucketParams},
		{"s3.amazonaws.com", "PutObject", false, bucketParams},
		{"sts.amazonaws.com", "AssumeRole", true, roleParams},
		{"iam.amazonaws.com", "ListRoles", true, noParams},
		{"kms.amazonaws.com", "Decrypt", true, noParams},
		{"ec2.amazonaws.com", "DescribeSecurityGroups", true, noParams},
		{"lambda.amazonaws.com", "Invoke", false, noParams},
		{"logs.amazonaws.com", "PutLogEvents", false, noParams},
		{"ec2.amazonaws.com", "RunInstances", false, instanceParams},
	}
	alerting = []apiCall{
		{"iam.amazonaws.com", "CreateUser", false, userParams},
		{"ec2.amazonaws.com", "DeleteFlowLogs", false, noParams},
		{"cloudtrail.amazonaws.com", "StopLogging", false, noParams},
		{"guardduty.amazonaws.com", "DeleteDetector", false, noParams},
		{"iam.amazonaws.com", "DeactivateMFADevice", false, userParams},
	}
)

func (g *Generator) cloudTrail(dst []byte, t time.Time) []byte {
	r := g.rng
	call := benign[r.IntN(len(benign))]
	if r.IntN(20) == 0 {
		call = alerting[r.IntN(len(alerting))]
	}
	acct := accounts[r.IntN(len(accounts))]
	user := r.IntN(300)
	assumed := user%3 == 0
	dst = append(dst, `{"eventVersion":"1.09","userIdentity":{"type":`...)
	if assumed {
		dst = append(dst, `"AssumedRole","principalId":"AROA`...)
		dst = g.upper(dst, user, 16)
		dst = append(dst, `:user`...)
		dst = strconv.AppendInt(dst, int64(user), 10)
		dst = append(dst, `","arn":"arn:aws:sts::`...)
		dst = append(dst, acct...)
		dst = append(dst, `:assumed-role/ops/user`...)
		dst = strconv.AppendInt(dst, int64(user), 10)
		dst = append(dst, `","accountId":"`...)
		dst = append(dst, acct...)
		dst = append(dst, `","accessKeyId":"ASIA`...)
		dst = g.upper(dst, user, 16)
		dst = append(dst, `","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA`...)
		dst = g.upper(dst, user, 16)
		dst = append(dst, `","arn":"arn:aws:iam::`...)
		dst = append(dst, acct...)
		dst = append(dst, `:role/ops","accountId":"`...)
		dst = append(dst, acct...)
		dst = append(dst, `","userName":"ops"},"attributes":{"creationDate":"`...)
		dst = t.Add(-time.Duration(r.IntN(3600))*time.Second).AppendFormat(dst, time.RFC3339)
		dst = append(dst, `","mfaAuthenticated":"false"}}},`...)
	} else {
		dst = append(dst, `"IAMUser","principalId":"AIDA`...)
		dst = g.upper(dst, user, 16)
		dst = append(dst, `","arn":"arn:aws:iam::`...)
		dst = append(dst, acct...)
		dst = append(dst, `:user/user`...)
		dst = strconv.AppendInt(dst, int64(user), 10)
		dst = append(dst, `","accountId":"`...)
		dst = append(dst, acct...)
		dst = append(dst, `","accessKeyId":"AKIA`...)
		dst = g.upper(dst, user, 16)
		dst = append(dst, `","userName":"user`...)
		dst = strconv.AppendInt(dst, int64(user), 10)
		dst = append(dst, `"},`...)
	}
	dst = append(dst, `"eventTime":"`...)
	dst = t.AppendFormat(dst, time.RFC3339)
	dst = append(dst, `","eventSource":"`...)
	dst = append(dst, call.source...)
	dst = append(dst, `","eventName":"`...)
	dst = append(dst, call.name...)
	dst = append(dst, `","awsRegion":"`...)
	dst = append(dst, regions[r.IntN(len(regions))]...)
	dst = append(dst, `","sourceIPAddress":"`...)
	dst = g.ip(dst, 3000)
	dst = append(dst, `","userAgent":"`...)
	dst = append(dst, agents[r.IntN(len(agents))]...)
	dst = append(dst, '"')
	if r.IntN(25) == 0 {
		dst = append(dst, `,"errorCode":"AccessDenied","errorMessage":"User is not authorized to perform this operation"`...)
	}
	dst = append(dst, `,"requestParameters":`...)
	dst = call.params(g, dst)
	dst = append(dst, `,"responseElements":null,"requestID":"`...)
	dst = g.uuid(dst)
	dst = append(dst, `","eventID":"`...)
	dst = g.uuid(dst)
	dst = append(dst, `","readOnly":`...)
	dst = strconv.AppendBool(dst, call.readOnly)
	dst = append(dst, `,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"`...)
	dst = append(dst, acct...)
	dst = append(dst, `","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"`...)
	dst = append(dst, call.source[:len(call.source)-len(".amazonaws.com")]...)
	return append(dst, `.amazonaws.com"}}`...)
}

func (g *Generator) vpcFlow(dst []byte, t time.Time) []byte {
	r := g.rng
	dst = append(dst, "2 "...)
	dst = append(dst, accounts[r.IntN(len(accounts))]...)
	dst = append(dst, " eni-0"...)
	dst = g.upper(dst, r.IntN(200), 16)
	dst = append(dst, ' ')
	dst = append(dst, "10.0."...)
	dst = strconv.AppendInt(dst, int64(r.IntN(16)), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(r.IntN(254)+1), 10)
	dst = append(dst, ' ')
	dst = g.ip(dst, 3000)
	ports := [...]int{443, 443, 443, 80, 53, 22, 8080, 3306}
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(32768+r.IntN(28000)), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(ports[r.IntN(len(ports))]), 10)
	proto := 6
	if r.IntN(6) == 0 {
		proto = 17
	}
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(proto), 10)
	pk := 1 + r.IntN(500)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(pk), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(pk*(60+r.IntN(1400))), 10)
	s := t.Unix()
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, s, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, s+int64(r.IntN(60)), 10)
	if r.IntN(10) == 0 {
		return append(dst, " REJECT OK"...)
	}
	return append(dst, " ACCEPT OK"...)
}

var hosts = []string{"web01", "web02", "bastion", "db01", "ci-runner-3"}

func (g *Generator) syslog(dst []byte, t time.Time) []byte {
	r := g.rng
	dst = t.AppendFormat(dst, time.Stamp)
	dst = append(dst, ' ')
	dst = append(dst, hosts[r.IntN(len(hosts))]...)
	dst = append(dst, " sshd["...)
	dst = strconv.AppendInt(dst, int64(1000+r.IntN(60000)), 10)
	dst = append(dst, "]: "...)
	switch n := r.IntN(20); {
	case n < 12:
		dst = append(dst, "Accepted publickey for user"...)
		dst = strconv.AppendInt(dst, int64(r.IntN(40)), 10)
		dst = append(dst, " from "...)
		dst = g.ip(dst, 300)
		dst = append(dst, " port "...)
		dst = strconv.AppendInt(dst, int64(32768+r.IntN(28000)), 10)
		dst = append(dst, " ssh2: ED25519 SHA256:"...)
		dst = g.hex(dst, 43)
	case n < 17:
		dst = append(dst, "Connection closed by authenticating user user"...)
		dst = strconv.AppendInt(dst, int64(r.IntN(40)), 10)
		dst = append(dst, ' ')
		dst = g.ip(dst, 300)
		dst = append(dst, " port "...)
		dst = strconv.AppendInt(dst, int64(32768+r.IntN(28000)), 10)
		dst = append(dst, " [preauth]"...)
	default: // the pack's password-guessing rule counts these
		dst = append(dst, "Failed password for invalid user admin from "...)
		dst = g.ip(dst, 30)
		dst = append(dst, " port "...)
		dst = strconv.AppendInt(dst, int64(32768+r.IntN(28000)), 10)
		dst = append(dst, " ssh2"...)
	}
	return dst
}

// ip appends one of n public documentation-range-like addresses.
func (g *Generator) ip(dst []byte, n int) []byte {
	i := g.rng.IntN(n)
	dst = strconv.AppendInt(dst, int64(198+i%3), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(18+i/750), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(i/3%250), 10)
	dst = append(dst, '.')
	return strconv.AppendInt(dst, int64(1+i%250), 10)
}

const hexDigits = "0123456789abcdef"

func (g *Generator) hex(dst []byte, n int) []byte {
	for range n {
		dst = append(dst, hexDigits[g.rng.IntN(16)])
	}
	return dst
}

// upper appends n upper-case characters that depend only on id, so that
// a user keeps the same principal and key ids.
func (g *Generator) upper(dst []byte, id, n int) []byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	x := uint64(id)*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
	for range n {
		dst = append(dst, alphabet[x>>59])
		x = x*0x5851f42d4c957f2d + 1442695040888963407
	}
	return dst
}

func (g *Generator) uuid(dst []byte) []byte {
	dst = g.hex(dst, 8)
	dst = append(dst, '-')
	dst = g.hex(dst, 4)
	dst = append(dst, "-4"...)
	dst = g.hex(dst, 3)
	dst = append(dst, '-')
	dst = append(dst, hexDigits[8+g.rng.IntN(4)])
	dst = g.hex(dst, 3)
	dst = append(dst, '-')
	return g.hex(dst, 12)
}
