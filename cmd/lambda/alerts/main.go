// Command alerts is the alerts AWS Lambda function: on the alert table's
// DynamoDB stream and on a schedule it merges, promotes and delivers
// alerts. The logic is lambdafn.AlertsFunction; docs/aws.md tells how to
// deploy it.
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
	f, err := lambdafn.AlertsFromEnv(context.Background(), log)
	if err != nil {
		log.Error("alerts: cold start failed", "err", err)
		os.Exit(1)
	}
	lambda.Start(f.Handle)
}
