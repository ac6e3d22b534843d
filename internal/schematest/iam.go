package schematest

import (
	"fmt"
	"time"
)

// IAMCall makes a distinct, successful CloudTrail IAM call (CreateUser,
// AttachUserPolicy, CreateAccessKey…) by the principal arn at t: the steps
// of the pack's cloudtrail_iam_persistence_sequence correlation rule.
func IAMCall(i int, arn, event string, t time.Time) string {
	return fmt.Sprintf(`{"eventVersion":"1.08","eventTime":%q,"eventSource":"iam.amazonaws.com","eventName":%q,"awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2","userIdentity":{"type":"IAMUser","arn":%q,"accountId":"111122223333","userName":"ops"},"requestParameters":{"userName":"backup-svc"},"eventID":"00000000-0000-4000-9000-%012d","eventType":"AwsApiCall","recipientAccountId":"111122223333"}`,
		t.UTC().Format(time.RFC3339), event, arn, i)
}
