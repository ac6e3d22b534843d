package demo

import (
	"fmt"
	"time"
)

// ctEvent is a CloudTrail event, fields in the order CloudTrail writes them.
type ctEvent struct {
	EventVersion        string `json:"eventVersion"`
	UserIdentity        obj    `json:"userIdentity"`
	EventTime           string `json:"eventTime"`
	EventSource         string `json:"eventSource"`
	EventName           string `json:"eventName"`
	AWSRegion           string `json:"awsRegion"`
	SourceIPAddress     string `json:"sourceIPAddress"`
	UserAgent           string `json:"userAgent"`
	ErrorCode           string `json:"errorCode,omitempty"`
	ErrorMessage        string `json:"errorMessage,omitempty"`
	RequestParameters   any    `json:"requestParameters"`
	ResponseElements    any    `json:"responseElements"`
	AdditionalEventData any    `json:"additionalEventData,omitempty"`
	RequestID           string `json:"requestID,omitempty"`
	EventID             string `json:"eventID"`
	ReadOnly            bool   `json:"readOnly"`
	EventType           string `json:"eventType"`
	ManagementEvent     bool   `json:"managementEvent"`
	RecipientAccountID  string `json:"recipientAccountId"`
	EventCategory       string `json:"eventCategory"`
	TLSDetails          obj    `json:"tlsDetails,omitempty"`
}

// obj is a JSON object; encoding/json writes its keys sorted, which keeps
// the output deterministic.
type obj = map[string]any

// principal is who makes an API call.
type principal struct {
	identity obj
	ip       func(g *gen, t time.Time) string
	ua       func(g *gen, service string) string
}

const arnPrefix = "arn:aws:iam::" + AccountID + ":"

// iamUser is an IAM user calling with a long-term access key.
func iamUser(name, principalID, keyID string) obj {
	return obj{"type": "IAMUser", "principalId": principalID, "arn": arnPrefix + "user/" + name,
		"accountId": AccountID, "accessKeyId": keyID, "userName": name}
}

// assumedRole is a session of a role.
func assumedRole(role, roleID, session, keyID string, created time.Time, mfa bool) obj {
	return obj{
		"type": "AssumedRole", "principalId": roleID + ":" + session,
		"arn":       "arn:aws:sts::" + AccountID + ":assumed-role/" + role + "/" + session,
		"accountId": AccountID, "accessKeyId": keyID,
		"sessionContext": obj{
			"sessionIssuer": obj{"type": "Role", "principalId": roleID, "arn": arnPrefix + "role/" + role,
				"accountId": AccountID, "userName": role},
			"attributes": obj{"creationDate": created.Format(time.RFC3339), "mfaAuthenticated": fmt.Sprint(mfa)},
		},
	}
}

func sdkUA(g *gen, service string) string {
	return pick(g, []string{
		"aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/" + service + "#1.29.1",
		"Boto3/1.34.51 md/Botocore#1.34.51 ua/2.0 os/linux#6.1.0-18-cloud-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.51",
	})
}

func cliUA(g *gen, service string) string {
	return fmt.Sprintf("aws-cli/2.15.%d Python/3.11.8 Darwin/23.3.0 exe/x86_64 prompt/off command/%s.%s", g.between(20, 31), service, pick(g, []string{"describe", "list", "get"}))
}

func consoleUA(*gen, string) string { return "AWS Internal" }

// ctBuilder makes the benign CloudTrail of a day.
type ctBuilder struct {
	g      *gen
	c      *company
	people map[string]principal // sso sessions by login
	svc    []principal
	ci     principal
	alice  principal
}

func newCTBuilder(g *gen, c *company) *ctBuilder {
	b := &ctBuilder{g: g, c: c, people: map[string]principal{}}
	for _, p := range append(append([]*person{}, c.ops...), c.devs...) {
		role, roleID := "AWSReservedSSO_Developer_4f1b0c2a9e7d3b51", "AROAYVQ3EXAMPLEDEVROLE"
		if p.dept == "operations" {
			role, roleID = "AWSReservedSSO_Administrator_8c2e4a6b1d3f5a70", "AROAYVQ3EXAMPLEADMROLE"
		}
		b.people[p.user] = principal{
			identity: assumedRole(role, roleID, p.email(), "ASIAYVQ3"+g.alnum(12), g.day.Add(7*time.Hour+time.Duration(g.intn(3600))*time.Second), false),
			ip:       func(g *gen, t time.Time) string { return c.ipOf(g, p, t.Hour()) },
			ua:       pick(g, []func(*gen, string) string{cliUA, consoleUA}),
		}
	}
	nat := func(*gen, time.Time) string { return NATIP }
	internal := func(*gen, time.Time) string { return "AWS Internal" }
	for _, r := range []struct{ role, id, session string }{
		{"orders-api-task", "AROAYVQ3EXAMPLEORDERS", "a3f1c9e04b7d4f6e9b2c8d1e5f7a9b3c"},
		{"billing-worker", "AROAYVQ3EXAMPLEBILLNG", "billing-worker"},
		{"web-instance-role", "AROAYVQ3EXAMPLEWEBINS", "i-0f3a9c1e7b5d2a468"},
		{"grafana-cloudwatch", "AROAYVQ3EXAMPLEGRAFNA", "grafana"},
	} {
		ip := nat
		if r.role == "billing-worker" {
			ip = internal
		}
		b.svc = append(b.svc, principal{
			identity: assumedRole(r.role, r.id, r.session, "ASIAYVQ3"+g.alnum(12), g.day, false),
			ip:       ip, ua: sdkUA,
		})
	}
	b.ci = principal{
		identity: iamUser("ci-deployer", "AIDAYVQ3EXAMPLECIDEPL", ciDeployerKey),
		ip:       nat,
		ua: func(g *gen, service string) string {
			return "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0-18-cloud-amd64 exe/x86_64.debian.12 prompt/off command/" + service + ".deploy"
		},
	}
	b.alice = principal{
		identity: iamUser("alice", "AIDAYVQ3EXAMPLEALICE0", "AKIAYVQ3EXAMPLEAL1CE"),
		ip:       func(*gen, time.Time) string { return OfficeIP },
		ua:       consoleUA,
	}
	return b
}

// ciDeployerKey is the CI user's access key, which the attacker finds on web01.
const ciDeployerKey = "AKIAYVQ3EXAMPLE5CI7D"

// event fills in the common fields of one call.
func (b *ctBuilder) event(t time.Time, who principal, source, name string, ro bool, req, resp any) *ctEvent {
	g := b.g
	svc := source[:len(source)-len(".amazonaws.com")]
	return &ctEvent{
		EventVersion: "1.09", UserIdentity: who.identity, EventTime: t.UTC().Format(time.RFC3339),
		EventSource: source, EventName: name, AWSRegion: Region, SourceIPAddress: who.ip(g, t),
		UserAgent: who.ua(g, svc), RequestParameters: req, ResponseElements: resp,
		RequestID: g.uuid(), EventID: g.uuid(), ReadOnly: ro, EventType: "AwsApiCall",
		ManagementEvent: true, RecipientAccountID: AccountID, EventCategory: "Management",
		TLSDetails: obj{"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": svc + "." + Region + ".amazonaws.com"},
	}
}

// cloudTrailGap is when the trail is off in the story: no benign events
// are recorded between StopLogging and StartLogging.
func cloudTrailGap(day time.Time) (time.Time, time.Time) {
	return day.Add(storyStopLogging), day.Add(storyStartLogging)
}

func genCloudTrail(g *gen, c *company, n int, col *collector) {
	b := newCTBuilder(g, c)
	target := col.len() + n
	gapFrom, gapTo := cloudTrailGap(g.day)
	add := func(e *ctEvent) {
		if col.len() < target {
			t, _ := time.Parse(time.RFC3339, e.EventTime)
			col.add(t, jsonLine(e))
		}
	}
	// A few events that happen once: alice rotates her access key (the
	// pack's key-creation rule fires on it, as it would in real life).
	if n >= 200 {
		t := g.day.Add(10*time.Hour + 42*time.Minute + 7*time.Second)
		add(b.event(t, b.alice, "iam.amazonaws.com", "CreateAccessKey", false, nil,
			obj{"accessKey": obj{"accessKeyId": "AKIAYVQ3EXAMPLEAL1C2", "status": "Active", "userName": "alice", "createDate": t.Format("Jan 2, 2006 3:04:05 PM")}}))
		t = t.Add(3*time.Minute + 12*time.Second)
		add(b.event(t, b.alice, "iam.amazonaws.com", "UpdateAccessKey", false,
			obj{"accessKeyId": "AKIAYVQ3EXAMPLEAL1CE", "status": "Inactive"}, nil))
	}
	for col.len() < target {
		kind := weighted(g, ctMix)
		curve := &allDay
		var who principal
		switch kind.who {
		case "svc":
			who = pick(g, b.svc)
		case "ci":
			who, curve = b.ci, &officeHours
		case "dev":
			who, curve = b.people[pick(g, c.devs).user], &officeHours
		case "ops":
			who, curve = b.people[pick(g, c.ops).user], &officeHours
		case "alice":
			who, curve = b.alice, &officeHours
		case "aws":
			who = principal{identity: obj{"type": "AWSService", "invokedBy": kind.invokedBy},
				ip: func(*gen, time.Time) string { return kind.invokedBy }, ua: func(*gen, string) string { return kind.invokedBy }}
		}
		t := g.at(curve)
		if !t.Before(gapFrom) && t.Before(gapTo) {
			continue
		}
		t = t.Truncate(time.Second)
		req, resp := kind.params(g, b)
		e := b.event(t, who, kind.source, kind.name, kind.ro, req, resp)
		if kind.who == "aws" {
			e.TLSDetails = nil
		}
		if kind.name == "ConsoleLogin" {
			e.EventType, e.ReadOnly, e.EventVersion = "AwsConsoleSignIn", false, "1.08"
			e.AdditionalEventData = obj{"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "Yes", "MFAIdentifier": arnPrefix + "mfa/alice"}
			e.UserAgent = c.person("alice").browser
		}
		if kind.denied {
			arn, _ := who.identity["arn"].(string)
			e.ErrorCode = "AccessDenied"
			e.ErrorMessage = "User: " + arn + " is not authorized to perform: " + kind.action + " because no identity-based policy allows the " + kind.action + " action"
			e.ResponseElements = nil
		}
		add(e)
	}
}

// ctCall is one kind of API call in the benign mix.
type ctCall struct {
	who          string // svc, ci, dev, ops, alice, aws
	invokedBy    string // for aws
	source, name string
	ro           bool
	denied       bool
	action       string // the IAM action, for denied calls
	params       func(g *gen, b *ctBuilder) (req, resp any)
}

func none(*gen, *ctBuilder) (any, any) { return nil, nil }

var buckets = []string{"example-web-assets", "example-app-uploads", "example-terraform-state", "example-db-backups", "finance-exports", "example-cloudtrail-logs"}

var ctMix = []choice[ctCall]{
	{18, ctCall{who: "svc", source: "kms.amazonaws.com", name: "Decrypt", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "keyId": "arn:aws:kms:" + Region + ":" + AccountID + ":key/" + pick(g, []string{"5b0e1c7a-3f2d-4e8b-9a61-0c4d2f8e7b13", "9d2f4a6c-8e1b-4c3d-a5f7-1e9b3d5c7a20"})}, nil
	}}},
	{6, ctCall{who: "aws", invokedBy: "ecs-tasks.amazonaws.com", source: "sts.amazonaws.com", name: "AssumeRole", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		s := g.hex(32)
		return obj{"roleArn": arnPrefix + "role/orders-api-task", "roleSessionName": s},
			obj{"credentials": obj{"accessKeyId": "ASIAYVQ3" + g.alnum(12)}, "assumedRoleUser": obj{"assumedRoleId": "AROAYVQ3EXAMPLEORDERS:" + s, "arn": "arn:aws:sts::" + AccountID + ":assumed-role/orders-api-task/" + s}}
	}}},
	{4, ctCall{who: "aws", invokedBy: "lambda.amazonaws.com", source: "sts.amazonaws.com", name: "AssumeRole", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"roleArn": arnPrefix + "role/billing-worker", "roleSessionName": "billing-worker"},
			obj{"credentials": obj{"accessKeyId": "ASIAYVQ3" + g.alnum(12)}}
	}}},
	{6, ctCall{who: "svc", source: "secretsmanager.amazonaws.com", name: "GetSecretValue", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"secretId": pick(g, []string{"prod/orders/db", "prod/billing/stripe", "prod/web/session-key"})}, nil
	}}},
	{5, ctCall{who: "svc", source: "ssm.amazonaws.com", name: "GetParameters", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"names": []string{"/prod/orders/feature-flags", "/prod/orders/log-level"}, "withDecryption": true}, nil
	}}},
	{3, ctCall{who: "svc", source: "logs.amazonaws.com", name: "CreateLogStream", params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"logGroupName": "/aws/lambda/billing-worker", "logStreamName": g.day.Format("2006/01/02") + "/[$LATEST]" + g.hex(32)}, nil
	}}},
	{3, ctCall{who: "svc", source: "dynamodb.amazonaws.com", name: "DescribeTable", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"tableName": pick(g, []string{"orders", "carts", "sessions"})}, nil
	}}},
	{10, ctCall{who: "svc", source: "monitoring.amazonaws.com", name: "GetMetricData", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"maxDatapoints": 1440, "scanBy": "TimestampAscending"}, nil
	}}},
	{3, ctCall{who: "svc", source: "ec2.amazonaws.com", name: "DescribeVolumes", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"volumeSet": obj{}, "filterSet": obj{}}, nil
	}}},
	{7, ctCall{who: "dev", source: "ec2.amazonaws.com", name: "DescribeInstances", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"instancesSet": obj{}, "filterSet": obj{"items": []obj{{"name": "tag:Name", "valueSet": obj{"items": []obj{{"value": pick(g, []string{"web01", "web02", "app01", "app02", "db01"})}}}}}}}, nil
	}}},
	{4, ctCall{who: "dev", source: "sso.amazonaws.com", name: "GetRoleCredentials", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"accountId": AccountID, "roleName": "Developer"}, nil
	}}},
	{3, ctCall{who: "dev", source: "sts.amazonaws.com", name: "GetCallerIdentity", ro: true, params: none}},
	{3, ctCall{who: "dev", source: "logs.amazonaws.com", name: "FilterLogEvents", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"logGroupName": pick(g, []string{"/ecs/orders-api", "/aws/lambda/billing-worker"}), "interleaved": true}, nil
	}}},
	{3, ctCall{who: "dev", source: "ecs.amazonaws.com", name: "DescribeServices", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"cluster": "prod", "services": []string{"orders-api"}}, nil
	}}},
	{2, ctCall{who: "dev", source: "s3.amazonaws.com", name: "ListBuckets", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"Host": "s3.amazonaws.com"}, nil
	}}},
	{2, ctCall{who: "dev", source: "s3.amazonaws.com", name: "GetBucketLocation", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"bucketName": pick(g, buckets), "location": ""}, nil
	}}},
	{0.15, ctCall{who: "dev", source: "iam.amazonaws.com", name: "ListUsers", ro: true, denied: true, action: "iam:ListUsers", params: none}},
	{2, ctCall{who: "ops", source: "iam.amazonaws.com", name: "GetRole", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"roleName": pick(g, []string{"orders-api-task", "billing-worker", "web-instance-role"})}, nil
	}}},
	{1.5, ctCall{who: "ops", source: "ec2.amazonaws.com", name: "DescribeSecurityGroups", ro: true, params: none}},
	{1, ctCall{who: "ops", source: "rds.amazonaws.com", name: "DescribeDBInstances", ro: true, params: none}},
	{0.4, ctCall{who: "ops", source: "ec2.amazonaws.com", name: "CreateTags", params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"resourcesSet": obj{"items": []obj{{"resourceId": "i-0" + g.hex(16)}}}, "tagSet": obj{"items": []obj{{"key": "owner", "value": "platform"}}}}, obj{"_return": true}
	}}},
	{0.3, ctCall{who: "ops", source: "ec2.amazonaws.com", name: "AuthorizeSecurityGroupIngress", params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"groupId": "sg-0" + g.hex(16), "ipPermissions": obj{"items": []obj{{"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, "ipRanges": obj{"items": []obj{{"cidrIp": "10.0.2.0/24"}}}}}}}, obj{"_return": true}
	}}},
	{0.3, ctCall{who: "alice", source: "signin.amazonaws.com", name: "ConsoleLogin", params: func(g *gen, _ *ctBuilder) (any, any) {
		return nil, obj{"ConsoleLogin": "Success"}
	}}},
	{2, ctCall{who: "ci", source: "ecr.amazonaws.com", name: "GetAuthorizationToken", ro: true, params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"registryIds": []string{AccountID}}, nil
	}}},
	{1, ctCall{who: "ci", source: "ecs.amazonaws.com", name: "RegisterTaskDefinition", params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"family": "orders-api", "containerDefinitions": []obj{{"name": "orders-api", "image": AccountID + ".dkr.ecr." + Region + ".amazonaws.com/orders-api:" + g.hex(7)}}}, nil
	}}},
	{1, ctCall{who: "ci", source: "ecs.amazonaws.com", name: "UpdateService", params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"cluster": "prod", "service": "orders-api", "taskDefinition": "orders-api:" + fmt.Sprint(g.between(300, 420))}, nil
	}}},
	{0.5, ctCall{who: "ci", source: "lambda.amazonaws.com", name: "UpdateFunctionCode20150331v2", params: func(g *gen, _ *ctBuilder) (any, any) {
		return obj{"functionName": "billing-worker", "s3Bucket": "example-artifacts", "s3Key": "billing-worker/" + g.hex(12) + ".zip"}, nil
	}}},
}
