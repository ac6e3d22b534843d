// Package demo is `streamalert demo`: a seeded day of logs for a small
// company, with an attack story woven in, run through the whole system on
// the embedded default config.
//
// Generate writes the day: CloudTrail, VPC flow logs, the Linux auth log,
// osquery differential results, the Okta System Log and nginx access lines
// for about fifty employees, a handful of servers and one AWS account. The
// benign part is shaped like the real thing (business hours for people,
// round-the-clock machines, health checks, internet scanners) and is meant
// to raise only a few low-value alerts. The story (Story) is fixed: SSH
// password guessing on web01 from a known-bad address, the login that
// follows, persistence on the host, an Okta MFA reset, a new IAM user made
// administrator, an S3 bucket made public, CloudTrail stopped and data sent
// to the attacker's server. The same seed always gives the same bytes.
//
// Run is the demo itself: a fresh data directory, the embedded config, the
// generated batches submitted to the pipeline as a source would, and then a
// report: records per log type, the alerts, the story as the alerts tell
// it, every streaming rule re-run as SQL over the lake that was just
// written (the two must select the same records), two hunts and an ad-hoc
// query.
package demo
