package alerts

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// wantSigV4 checks a request is signed for the service in us-east-1 with
// the test credentials.
func wantSigV4(t *testing.T, c captured, service string) {
	t.Helper()
	auth := c.header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") || !strings.Contains(auth, "/us-east-1/"+service+"/aws4_request") {
		t.Errorf("Authorization %q is not SigV4 for %s", auth, service)
	}
	if c.header.Get("X-Amz-Date") == "" {
		t.Error("no X-Amz-Date")
	}
}

func wantDeliveryError(t *testing.T, err error, permanent bool) {
	t.Helper()
	var de *DeliveryError
	if !errors.As(err, &de) {
		t.Fatalf("error %v is not a DeliveryError", err)
	}
	if de.Permanent != permanent {
		t.Errorf("permanent=%v, want %v: %s", de.Permanent, permanent, de.Msg)
	}
}

func TestS3_PutsOneObjectPerAlert(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("alerts-archive"); err != nil {
		t.Fatal(err)
	}
	faker := gofakes3.New(backend)
	failNext := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failNext {
			failNext = false
			w.WriteHeader(503)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
			return
		}
		faker.Server().ServeHTTP(w, r)
	}))
	defer srv.Close()
	o := mustOutput(t, "s3", map[string]string{"bucket": "alerts-archive", "prefix": "streamalert/", "endpoint": srv.URL}, nil)
	a := sampleAlert()
	mustSend(t, o, a)
	key := "streamalert/dt=2024-05-01-10/console_login_without_mfa/" + a.ID + ".json"
	obj, err := backend.GetObject("alerts-archive", key, nil)
	if err != nil {
		t.Fatalf("object %s: %v", key, err)
	}
	defer obj.Contents.Close()
	body, _ := io.ReadAll(obj.Contents)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || m["id"] != a.ID || str(m, "record.eventName") != "ConsoleLogin" {
		t.Errorf("object body %s (%v)", body, err)
	}
	// Sending again overwrites the same key: no duplicate object.
	mustSend(t, o, a)
	list, err := backend.ListBucket("alerts-archive", &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
	if err != nil || len(list.Contents) != 1 {
		t.Errorf("bucket holds %v (%v)", list, err)
	}

	failNext = true
	wantDeliveryError(t, o.Send(context.Background(), a), false)
	missing := mustOutput(t, "s3", map[string]string{"bucket": "no-such-bucket", "endpoint": srv.URL}, nil)
	wantDeliveryError(t, missing.Send(context.Background(), a), true)
}

// snsStandIn answers the SNS query protocol.
func snsStandIn(t *testing.T, fail string) *stub {
	return newStub(t, func(_ int, r *http.Request, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/xml")
		switch fail {
		case "throttle":
			w.WriteHeader(400)
			io.WriteString(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>`)
		case "notfound":
			w.WriteHeader(404)
			io.WriteString(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>r2</RequestId></ErrorResponse>`)
		case "500":
			w.WriteHeader(500)
			io.WriteString(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Receiver</Type><Code>InternalError</Code><Message>oops</Message></Error><RequestId>r3</RequestId></ErrorResponse>`)
		default:
			io.WriteString(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult><ResponseMetadata><RequestId>f187a3c1</RequestId></ResponseMetadata></PublishResponse>`)
		}
	})
}

func TestSNS_Publish(t *testing.T) {
	topic := "arn:aws:sns:us-east-1:111122223333:security-alerts"
	srv := snsStandIn(t, "")
	o := mustOutput(t, "sns", map[string]string{"topic_arn": topic, "endpoint": srv.URL}, nil)
	a := sampleAlert()
	a.Title = "Login\nwithout MFA — " + strings.Repeat("x", 120)
	mustSend(t, o, a)
	c := srv.last(t)
	wantRequest(t, c, "POST", "/")
	wantSigV4(t, c, "sns")
	if ct := c.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		t.Errorf("Content-Type %q", ct)
	}
	form, err := url.ParseQuery(string(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("Action") != "Publish" || form.Get("Version") != "2010-03-31" || form.Get("TopicArn") != topic {
		t.Errorf("form %v", form)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(form.Get("Message")), &m); err != nil || m["id"] != a.ID {
		t.Errorf("message %q", form.Get("Message"))
	}
	if s := form.Get("Subject"); s == "" || len(s) > 100 || strings.ContainsAny(s, "\n—") {
		t.Errorf("subject %q", s)
	}
	for fail, permanent := range map[string]bool{"throttle": false, "500": false, "notfound": true} {
		srv := snsStandIn(t, fail)
		o := mustOutput(t, "sns", map[string]string{"topic_arn": topic, "endpoint": srv.URL}, nil)
		t.Run(fail, func(t *testing.T) { wantDeliveryError(t, o.Send(context.Background(), a), permanent) })
	}
}

// sqsStandIn answers the SQS JSON 1.0 protocol with an error.
func sqsStandIn(t *testing.T, fail string) *stub {
	return newStub(t, func(_ int, r *http.Request, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		switch fail {
		case "missing":
			w.Header().Set("X-Amzn-Query-Error", "AWS.SimpleQueueService.NonExistentQueue;Sender")
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`)
		case "throttle":
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"com.amazonaws.sqs#RequestThrottled","message":"slow down"}`)
		default:
			w.WriteHeader(500)
			io.WriteString(w, `{"__type":"com.amazonaws.sqs#InternalError","message":"oops"}`)
		}
	})
}

func TestSQS_SendMessage(t *testing.T) {
	queue := "https://sqs.us-east-1.amazonaws.com/111122223333/alerts.fifo"
	var srv *stub
	srv = newStub(t, func(n int, r *http.Request, w http.ResponseWriter) {
		// The SDK checks the MD5 of the body it sent.
		var in struct{ MessageBody string }
		json.Unmarshal(srv.last(t).body, &in)
		sum := md5.Sum([]byte(in.MessageBody))
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		json.NewEncoder(w).Encode(map[string]string{"MessageId": "5fea7756-0ea4-451a-a703-a558b933e274", "MD5OfMessageBody": hex.EncodeToString(sum[:])})
	})
	o := mustOutput(t, "sqs", map[string]string{"queue_url": queue, "endpoint": srv.URL}, nil)
	a := sampleAlert()
	mustSend(t, o, a)
	c := srv.last(t)
	wantRequest(t, c, "POST", "/")
	wantSigV4(t, c, "sqs")
	wantHeader(t, c, "X-Amz-Target", "AmazonSQS.SendMessage")
	wantHeader(t, c, "Content-Type", "application/x-amz-json-1.0")
	m := c.json(t)
	if m["QueueUrl"] != queue || m["MessageDeduplicationId"] != a.ID || m["MessageGroupId"] != a.Rule {
		t.Errorf("request %v", m)
	}
	var payload map[string]any
	if err := json.Unmarshal([]byte(str(m, "MessageBody")), &payload); err != nil || payload["id"] != a.ID {
		t.Errorf("message body %q", str(m, "MessageBody"))
	}
	for fail, permanent := range map[string]bool{"missing": true, "throttle": false, "500": false} {
		srv := sqsStandIn(t, fail)
		o := mustOutput(t, "sqs", map[string]string{"queue_url": queue, "endpoint": srv.URL}, nil)
		t.Run(fail, func(t *testing.T) { wantDeliveryError(t, o.Send(context.Background(), a), permanent) })
	}
}

func TestMaxBytesSettings(t *testing.T) {
	for _, tc := range []struct {
		service, value string
		ok             bool
	}{
		{"sqs", "1048576", true}, {"sqs", "1048577", false}, {"sqs", "100", false}, {"sqs", "lots", false},
		{"webhook", "4096", true}, {"webhook", "10", false},
	} {
		settings := map[string]string{"max_bytes": tc.value, "queue_url": "https://sqs.us-east-1.amazonaws.com/1/q", "url": "https://example.com/hook"}
		if tc.service == "sqs" {
			delete(settings, "url")
		} else {
			delete(settings, "queue_url")
		}
		_, err := NewOutput(OutputConfig{Name: tc.service + ":x", Service: tc.service, Settings: settings}, map[string]string{"signing_key": "k"}, OutputOptions{AWSConfig: testAWS})
		if (err == nil) != tc.ok {
			t.Errorf("%s max_bytes %s: error %v", tc.service, tc.value, err)
		}
	}
}

func TestLambda_InvokeAsync(t *testing.T) {
	fail := ""
	srv := newStub(t, func(_ int, r *http.Request, w http.ResponseWriter) {
		switch fail {
		case "throttle":
			w.Header().Set("X-Amzn-Errortype", "TooManyRequestsException")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(429)
			io.WriteString(w, `{"Type":"User","message":"Rate Exceeded.","Reason":"CallerRateLimitExceeded"}`)
		case "missing":
			w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(404)
			io.WriteString(w, `{"Type":"User","Message":"Function not found"}`)
		default:
			w.WriteHeader(202)
		}
	})
	o := mustOutput(t, "lambda", map[string]string{"function": "alert-handler", "qualifier": "live", "endpoint": srv.URL}, nil)
	a := sampleAlert()
	mustSend(t, o, a)
	c := srv.last(t)
	wantRequest(t, c, "POST", "/2015-03-31/functions/alert-handler/invocations")
	wantSigV4(t, c, "lambda")
	wantHeader(t, c, "X-Amz-Invocation-Type", "Event")
	if q, _ := url.ParseQuery(c.query); q.Get("Qualifier") != "live" {
		t.Errorf("query %q", c.query)
	}
	if m := c.json(t); m["id"] != a.ID {
		t.Errorf("event %v", m)
	}
	for _, tc := range []struct {
		fail      string
		permanent bool
	}{{"throttle", false}, {"missing", true}} {
		fail = tc.fail
		t.Run(tc.fail, func(t *testing.T) { wantDeliveryError(t, o.Send(context.Background(), a), tc.permanent) })
	}
}

func TestFirehose_PutRecord(t *testing.T) {
	fail := ""
	srv := newStub(t, func(_ int, r *http.Request, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		switch fail {
		case "unavailable":
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"ServiceUnavailableException","message":"Slow down."}`)
		case "missing":
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"ResourceNotFoundException","message":"Firehose alerts not found"}`)
		default:
			io.WriteString(w, `{"RecordId":"49543463076548007577105092703039560359975228518395019266","Encrypted":false}`)
		}
	})
	o := mustOutput(t, "firehose", map[string]string{"stream": "streamalert_alerts", "endpoint": srv.URL}, nil)
	a := sampleAlert()
	mustSend(t, o, a)
	c := srv.last(t)
	wantRequest(t, c, "POST", "/")
	wantSigV4(t, c, "firehose")
	wantHeader(t, c, "X-Amz-Target", "Firehose_20150804.PutRecord")
	wantHeader(t, c, "Content-Type", "application/x-amz-json-1.1")
	m := c.json(t)
	if m["DeliveryStreamName"] != "streamalert_alerts" {
		t.Errorf("stream %v", m["DeliveryStreamName"])
	}
	data, err := base64.StdEncoding.DecodeString(str(m, "Record.Data"))
	if err != nil || !strings.HasSuffix(string(data), "}\n") {
		t.Fatalf("record data %q (%v)", data, err)
	}
	var payload map[string]any
	if err := json.Unmarshal(data, &payload); err != nil || payload["id"] != a.ID {
		t.Errorf("record %s", data)
	}
	for _, tc := range []struct {
		fail      string
		permanent bool
	}{{"unavailable", false}, {"missing", true}} {
		fail = tc.fail
		t.Run(tc.fail, func(t *testing.T) { wantDeliveryError(t, o.Send(context.Background(), a), tc.permanent) })
	}
}
