// Package synth generates deterministic CloudTrail-shaped records for the
// lake writer's benchmarks and tests: the same seed always gives the same
// records, raw JSON and values.
package synth

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/streamalert/streamalert/schema"
)

//go:embed cloudtrail.yaml
var cloudTrailYAML []byte

var (
	cloudTrailOnce sync.Once
	cloudTrail     *schema.LogType
)

// CloudTrail returns the synth:cloudtrail log type (see cloudtrail.yaml).
func CloudTrail() *schema.LogType {
	cloudTrailOnce.Do(func() {
		lts, errs := schema.ParseDefinitions("synth/cloudtrail.yaml", cloudTrailYAML)
		if len(errs) > 0 || len(lts) != 1 {
			panic(fmt.Sprintf("synth: cloudtrail.yaml: %v", errs))
		}
		cloudTrail = lts[0]
	})
	return cloudTrail
}

// Event is one generated CloudTrail event, shaped as CloudTrail writes it.
type Event struct {
	EventVersion       string          `json:"eventVersion"`
	UserIdentity       UserIdentity    `json:"userIdentity"`
	EventTime          string          `json:"eventTime"`
	EventSource        string          `json:"eventSource"`
	EventName          string          `json:"eventName"`
	AWSRegion          string          `json:"awsRegion"`
	SourceIPAddress    string          `json:"sourceIPAddress"`
	UserAgent          string          `json:"userAgent"`
	ErrorCode          string          `json:"errorCode,omitempty"`
	ErrorMessage       string          `json:"errorMessage,omitempty"`
	RequestParameters  json.RawMessage `json:"requestParameters"`
	ResponseElements   json.RawMessage `json:"responseElements"`
	RequestID          string          `json:"requestID"`
	EventID            string          `json:"eventID"`
	ReadOnly           bool            `json:"readOnly"`
	Resources          json.RawMessage `json:"resources,omitempty"`
	EventType          string          `json:"eventType"`
	ManagementEvent    bool            `json:"managementEvent"`
	RecipientAccountID string          `json:"recipientAccountId"`
	EventCategory      string          `json:"eventCategory"`
	TLSDetails         *TLSDetails     `json:"tlsDetails,omitempty"`
}

// UserIdentity is CloudTrail's userIdentity object.
type UserIdentity struct {
	Type           string          `json:"type"`
	PrincipalID    string          `json:"principalId"`
	ARN            string          `json:"arn"`
	AccountID      string          `json:"accountId"`
	AccessKeyID    string          `json:"accessKeyId,omitempty"`
	UserName       string          `json:"userName,omitempty"`
	InvokedBy      string          `json:"invokedBy,omitempty"`
	SessionContext *SessionContext `json:"sessionContext,omitempty"`
}

// SessionContext is userIdentity.sessionContext.
type SessionContext struct {
	Attributes    Attributes     `json:"attributes"`
	SessionIssuer *SessionIssuer `json:"sessionIssuer,omitempty"`
}

// Attributes is userIdentity.sessionContext.attributes.
type Attributes struct {
	MFAAuthenticated string `json:"mfaAuthenticated"` // "true"/"false", as CloudTrail writes it
	CreationDate     string `json:"creationDate"`
}

// SessionIssuer is userIdentity.sessionContext.sessionIssuer.
type SessionIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

// TLSDetails is CloudTrail's tlsDetails object.
type TLSDetails struct {
	TLSVersion               string `json:"tlsVersion"`
	CipherSuite              string `json:"cipherSuite"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader"`
}

// Base is the event time of the first generated record; each later one is a
// few milliseconds after the one before.
var Base = time.Date(2024, 3, 5, 6, 0, 0, 0, time.UTC)

var (
	regions  = []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1", "sa-east-1", "ca-central-1"}
	services = []string{"ec2", "s3", "iam", "sts", "kms", "lambda", "dynamodb", "cloudtrail", "logs", "monitoring", "sqs", "sns", "rds", "ecr", "ssm", "secretsmanager"}
	verbs    = []string{"Describe", "Get", "List", "Put", "Create", "Delete", "Update", "AssumeRole", "Decrypt", "Encrypt"}
	nouns    = []string{"Instances", "Bucket", "Object", "Role", "Policy", "Key", "Function", "Table", "Trail", "LogEvents", "Queue", "Topic", "Parameter", "Secret", "Image", "Volume"}
	agents   = []string{
		"aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.amzn.2 prompt/off command/s3.ls",
		"aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.141.0",
		"Boto3/1.34.11 md/Botocore#1.34.11 ua/2.0 os/linux#5.10 md/arch#x86_64 lang/python#3.12.1",
		"console.amazonaws.com",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
		"terraform-provider-aws/5.31.0 (+https://registry.terraform.io) aws-sdk-go-v2/1.24.0",
		"lambda.amazonaws.com", "ec2.amazonaws.com", "cloudformation.amazonaws.com",
	}
	errorCodes = []string{"AccessDenied", "ThrottlingException", "NoSuchBucket", "ResourceNotFoundException", "ValidationException"}
	ciphers    = []string{"ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES256-GCM-SHA384"}
)

// Events generates n events from seed.
func Events(n int, seed uint64) []Event {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	accounts := make([]string, 12)
	for i := range accounts {
		accounts[i] = fmt.Sprintf("%012d", 100000000000+rng.Int64N(899999999999))
	}
	users := make([]string, 200)
	for i := range users {
		users[i] = fmt.Sprintf("user-%s-%d", []string{"dev", "ops", "sec", "ci", "data"}[i%5], i)
	}
	ips := make([]string, 3000)
	for i := range ips {
		ips[i] = fmt.Sprintf("%d.%d.%d.%d", 10+rng.IntN(200), rng.IntN(256), rng.IntN(256), 1+rng.IntN(254))
	}
	hex := func(nbytes int) string {
		const digits = "0123456789abcdef"
		b := make([]byte, nbytes*2)
		for i := range b {
			b[i] = digits[rng.IntN(16)]
		}
		return string(b)
	}
	// AWS keys its identity ids to the identity: a user keeps its AIDA
	// principal id and AKIA access key, a role its AROA id, and a role
	// session its ASIA key for the session's life (the Stratus corpus has
	// exactly one principalId and one accessKeyId per ARN). Each is drawn
	// once, on first use.
	ids := map[string]string{}
	idOf := func(prefix, owner string) string {
		k := prefix + owner
		if id, ok := ids[k]; ok {
			return id
		}
		const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
		b := []byte(prefix + "0000000000000000")
		for i := len(prefix); i < len(b); i++ {
			b[i] = alnum[rng.IntN(len(alnum))]
		}
		ids[k] = string(b)
		return ids[k]
	}
	uuid := func() string {
		h := hex(16)
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	}
	out := make([]Event, n)
	t := Base
	for i := range out {
		t = t.Add(time.Duration(1+rng.IntN(5)) * time.Millisecond)
		acct := accounts[rng.IntN(len(accounts))]
		user := users[rng.IntN(len(users))]
		svc := services[rng.IntN(len(services))]
		verb, noun := verbs[rng.IntN(len(verbs))], nouns[rng.IntN(len(nouns))]
		name := verb + noun
		e := Event{
			EventVersion:       "1.09",
			EventTime:          t.Format("2006-01-02T15:04:05Z"),
			EventSource:        svc + ".amazonaws.com",
			EventName:          name,
			AWSRegion:          regions[rng.IntN(len(regions))],
			UserAgent:          agents[rng.IntN(len(agents))],
			RequestID:          uuid(),
			EventID:            uuid(),
			ReadOnly:           verb == "Describe" || verb == "Get" || verb == "List",
			EventType:          "AwsApiCall",
			ManagementEvent:    svc != "s3" && svc != "dynamodb",
			RecipientAccountID: acct,
			EventCategory:      "Management",
		}
		if rng.IntN(10) == 0 {
			e.SourceIPAddress = e.EventSource
		} else {
			e.SourceIPAddress = ips[rng.IntN(len(ips))]
		}
		if rng.IntN(3) == 0 {
			role := fmt.Sprintf("role-%s-%d", svc, rng.IntN(40))
			e.UserIdentity = UserIdentity{
				Type:        "AssumedRole",
				PrincipalID: idOf("AROA", acct+role) + ":" + user,
				ARN:         "arn:aws:sts::" + acct + ":assumed-role/" + role + "/" + user,
				AccountID:   acct,
				AccessKeyID: idOf("ASIA", acct+role+"/"+user),
				SessionContext: &SessionContext{
					Attributes: Attributes{
						MFAAuthenticated: []string{"false", "true"}[rng.IntN(2)],
						CreationDate:     t.Add(-time.Duration(rng.IntN(3600)) * time.Second).Format("2006-01-02T15:04:05Z"),
					},
					SessionIssuer: &SessionIssuer{
						Type:        "Role",
						PrincipalID: idOf("AROA", acct+role),
						ARN:         "arn:aws:iam::" + acct + ":role/" + role,
						AccountID:   acct,
						UserName:    role,
					},
				},
			}
		} else {
			e.UserIdentity = UserIdentity{
				Type:        "IAMUser",
				PrincipalID: idOf("AIDA", acct+user),
				ARN:         "arn:aws:iam::" + acct + ":user/" + user,
				AccountID:   acct,
				AccessKeyID: idOf("AKIA", acct+user),
				UserName:    user,
			}
			if rng.IntN(8) == 0 {
				e.UserIdentity.InvokedBy = "cloudformation.amazonaws.com"
			}
		}
		if rng.IntN(12) == 0 {
			e.ErrorCode = errorCodes[rng.IntN(len(errorCodes))]
			e.ErrorMessage = "User: " + e.UserIdentity.ARN + " is not authorized to perform: " + svc + ":" + name
		}
		switch rng.IntN(4) {
		case 0:
			e.RequestParameters = json.RawMessage("null")
		case 1:
			e.RequestParameters = json.RawMessage(fmt.Sprintf(`{"bucketName":"bucket-%d","key":"logs/%s/%d.json.gz","Host":"bucket-%d.s3.amazonaws.com"}`, rng.IntN(50), e.AWSRegion, rng.IntN(100000), rng.IntN(50)))
		case 2:
			e.RequestParameters = json.RawMessage(fmt.Sprintf(`{"instancesSet":{"items":[{"instanceId":"i-%s"}]},"filterSet":{},"maxResults":%d}`, hex(8), 5+rng.IntN(500)))
		default:
			e.RequestParameters = json.RawMessage(fmt.Sprintf(`{"roleArn":"arn:aws:iam::%s:role/deploy","roleSessionName":"%s","durationSeconds":%d}`, acct, user, 900*(1+rng.IntN(4))))
		}
		if e.ReadOnly || e.ErrorCode != "" {
			e.ResponseElements = json.RawMessage("null")
		} else {
			e.ResponseElements = json.RawMessage(fmt.Sprintf(`{"requestId":"%s","return":true,"x-amz-id-2":"%s"}`, uuid(), hex(24)))
		}
		if rng.IntN(3) == 0 {
			e.Resources = json.RawMessage(fmt.Sprintf(`[{"accountId":"%s","type":"AWS::%s::%s","ARN":"arn:aws:%s:%s:%s:%s/%d"}]`, acct, svc, noun, svc, e.AWSRegion, acct, noun, rng.IntN(1000)))
		}
		if rng.IntN(5) != 0 {
			e.TLSDetails = &TLSDetails{
				TLSVersion:               []string{"TLSv1.2", "TLSv1.3"}[rng.IntN(2)],
				CipherSuite:              ciphers[rng.IntN(len(ciphers))],
				ClientProvidedHostHeader: svc + "." + e.AWSRegion + ".amazonaws.com",
			}
		}
		out[i] = e
	}
	return out
}

// Records generates n records of CloudTrail() from seed, as the classifier
// would produce them: raw JSON, typed values aligned with the declared
// fields, normalized values, stable ids. Every record arrives in the hour
// starting at Base (IngestTime), through source "synth".
func Records(n int, seed uint64) []*schema.Record {
	lt := CloudTrail()
	out := make([]*schema.Record, n)
	for i, e := range Events(n, seed) {
		raw, err := json.Marshal(e)
		if err != nil {
			panic(err)
		}
		out[i] = Record(lt, e, raw, Base.Add(time.Duration(i)*time.Millisecond%time.Hour))
	}
	return out
}

// Record builds the record of one event with its raw JSON.
func Record(lt *schema.LogType, e Event, raw []byte, ingest time.Time) *schema.Record {
	str := func(s string) schema.Value {
		if s == "" {
			return schema.Value{}
		}
		return schema.Str(s)
	}
	ts := func(s string) schema.Value {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return schema.Time(t)
	}
	js := func(m json.RawMessage) schema.Value {
		if len(m) == 0 || string(m) == "null" {
			return schema.Value{}
		}
		return schema.JSONText(string(m))
	}
	u := e.UserIdentity
	var sc schema.Value
	if s := u.SessionContext; s != nil {
		var issuer schema.Value
		if si := s.SessionIssuer; si != nil {
			issuer = schema.Object(str(si.Type), str(si.PrincipalID), str(si.ARN), str(si.AccountID), str(si.UserName))
		}
		sc = schema.Object(
			schema.Object(schema.BoolValue(s.Attributes.MFAAuthenticated == "true"), ts(s.Attributes.CreationDate)),
			issuer,
		)
	}
	var tls schema.Value
	if d := e.TLSDetails; d != nil {
		tls = schema.Object(str(d.TLSVersion), str(d.CipherSuite), str(d.ClientProvidedHostHeader))
	}
	values := []schema.Value{
		str(e.EventVersion),
		schema.Object(str(u.Type), str(u.PrincipalID), str(u.ARN), str(u.AccountID), str(u.AccessKeyID), str(u.UserName), str(u.InvokedBy), sc),
		ts(e.EventTime),
		str(e.EventSource),
		str(e.EventName),
		str(e.AWSRegion),
		str(e.SourceIPAddress),
		str(e.UserAgent),
		str(e.ErrorCode),
		str(e.ErrorMessage),
		js(e.RequestParameters),
		js(e.ResponseElements),
		str(e.RequestID),
		str(e.EventID),
		schema.BoolValue(e.ReadOnly),
		js(e.Resources),
		str(e.EventType),
		schema.BoolValue(e.ManagementEvent),
		str(e.RecipientAccountID),
		str(e.EventCategory),
		tls,
	}
	if len(values) != len(lt.Fields) {
		panic(fmt.Sprintf("synth: %d values for %d fields", len(values), len(lt.Fields)))
	}
	norm := map[string][]string{}
	add := func(typ string, vs ...string) {
		for _, v := range vs {
			if v == "" {
				continue
			}
			dup := false
			for _, have := range norm[typ] {
				dup = dup || have == v
			}
			if !dup {
				norm[typ] = append(norm[typ], v)
			}
		}
	}
	add("aws_account_id", u.AccountID, e.RecipientAccountID)
	add("aws_arn", u.ARN)
	if u.SessionContext != nil && u.SessionContext.SessionIssuer != nil {
		add("aws_arn", u.SessionContext.SessionIssuer.ARN)
	}
	if e.SourceIPAddress != e.EventSource {
		add("ip_address", e.SourceIPAddress)
	}
	add("username", u.UserName)
	et, _ := time.Parse(time.RFC3339, e.EventTime)
	return &schema.Record{
		LogType:    lt,
		ID:         schema.RecordID(lt.Name, raw),
		Source:     "synth",
		EventTime:  et,
		IngestTime: ingest,
		Values:     values,
		Normalized: norm,
		Raw:        raw,
	}
}

// CloudTrailEvents generates n events from seed as one CloudTrail log file
// ({"Records": [...]}) and classifies it as the built-in cloudtrail:events
// log type: the records the pipeline hands the lake writer. Every record
// arrives at Base.
func CloudTrailEvents(n int, seed uint64) ([]*schema.Record, error) {
	reg := schema.Builtin()
	lt := reg.Get("cloudtrail:events")
	if lt == nil {
		return nil, fmt.Errorf("synth: no built-in cloudtrail:events log type")
	}
	events := Events(n, seed)
	file, err := json.Marshal(map[string][]Event{"Records": events})
	if err != nil {
		return nil, err
	}
	var out []*schema.Record
	var bad []string
	err = schema.NewClassifier(reg).Classify(file, schema.Input{Source: "synth", Types: []*schema.LogType{lt}, IngestTime: Base},
		func(r *schema.Record) { out = append(out, r) },
		func(u *schema.Unclassified) { bad = append(bad, u.Reason) })
	if err != nil {
		return nil, fmt.Errorf("synth: classify: %w", err)
	}
	if len(bad) > 0 || len(out) != n {
		return nil, fmt.Errorf("synth: %d of %d events classified as cloudtrail:events (first problem: %v)", len(out), n, bad)
	}
	return out, nil
}
