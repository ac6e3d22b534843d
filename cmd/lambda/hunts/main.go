// Command hunts is the hunts AWS Lambda function: invoked by EventBridge
// Scheduler with a hunt's name, it runs the hunt's due windows on Athena
// and turns the rows into alerts (or feeds them to the classifier). The
// logic is huntsfn.Function; docs/aws.md tells how to deploy it.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/streamalert/streamalert/realtime/lambdafn/huntsfn"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	slog.SetDefault(log)
	f, err := huntsfn.FromEnv(context.Background(), log)
	if err != nil {
		log.Error("hunts: cold start failed", "err", err)
		os.Exit(1)
	}
	lambda.Start(f.Handle)
}
