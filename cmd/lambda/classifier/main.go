// Command classifier is the classifier AWS Lambda function: Kinesis, SQS,
// SNS, S3 and HTTP events in, records to Firehose, alerts to DynamoDB. The
// logic is lambdafn.ClassifierFunction; docs/aws.md tells how to deploy it.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/streamalert/streamalert/realtime/lambdafn"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	slog.SetDefault(log)
	f, err := lambdafn.ClassifierFromEnv(context.Background(), log)
	if err != nil {
		log.Error("classifier: cold start failed", "err", err)
		os.Exit(1)
	}
	lambda.Start(f.Handle)
}
