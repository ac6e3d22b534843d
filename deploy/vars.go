// Package deploy turns a configuration directory into the inputs of the
// Terraform root module in terraform/: terraform.tfvars.json (sources →
// triggers, log types in use → Firehose streams and Glue tables, outputs →
// secret parameters and IAM targets, hunts → schedules), the Athena DDL of
// every table, and the config archive the functions load. Terraform never
// repeats what the config says; it reads these.
package deploy

import (
	"github.com/streamalert/streamalert/schema"
)

// Vars is terraform.tfvars.json: one field per variable of the root
// module (terraform/variables.tf). A test checks that the two agree.
type Vars struct {
	Prefix       string `json:"prefix"`
	Region       string `json:"region"`
	GlueDatabase string `json:"glue_database"`
	// LakeBucket holds the Parquet lake under LakePrefix ("" or "a/b/").
	LakeBucket string `json:"lake_bucket"`
	LakePrefix string `json:"lake_prefix"`
	// LakeRoot is the key prefix under which every table lives.
	LakeRoot string `json:"lake_root"`

	Architecture string `json:"architecture"`
	// LambdaZips are the zips of `streamalert lambda package`, by function.
	LambdaZips map[string]string `json:"lambda_zips"`
	// ConfigArchive is the config directory as .tar.gz, uploaded to the
	// lake bucket for the functions' STREAMALERT_CONFIG_S3.
	ConfigArchive string                  `json:"config_archive"`
	Functions     map[string]FunctionVars `json:"functions"`

	LogRetentionDays int    `json:"log_retention_days"`
	Buffer           Buffer `json:"firehose_buffer"`
	TransitionIADays int    `json:"lake_transition_ia_days"`
	ExpireDays       int    `json:"lake_expire_days"`
	// AthenaBytesScannedCutoff is the workgroup's per-query limit in bytes.
	AthenaBytesScannedCutoff int64 `json:"athena_bytes_scanned_cutoff"`

	// Tables are the lake tables: every log type some source carries,
	// plus unclassified and alerts. Each gets a Firehose stream.
	Tables map[string]Table `json:"tables"`

	KinesisSources map[string]KinesisSource `json:"kinesis_sources"`
	SQSSources     map[string]SQSSource     `json:"sqs_sources"`
	S3Sources      map[string]S3Source      `json:"s3_sources"`
	SNSSources     map[string]SNSSource     `json:"sns_sources"`
	HTTPSources    map[string]HTTPSource    `json:"http_sources"`

	// SecretsSSMPrefix is where `streamalert outputs set --ssm-prefix`
	// stores output secrets; OutputSecretParameters are the parameters
	// (service/descriptor under the prefix) the configured outputs need.
	SecretsSSMPrefix       string        `json:"secrets_ssm_prefix"`
	OutputSecretParameters []string      `json:"output_secret_parameters"`
	OutputTargets          OutputTargets `json:"output_targets"`

	DispatchSchedule string          `json:"dispatch_schedule"`
	Hunts            map[string]Hunt `json:"hunts"`
	// HuntsAthena is historical.yaml's Athena workgroup and result
	// location for the hunts function ("": the deployment's workgroup,
	// which enforces its own result location).
	HuntsAthena HuntsAthena `json:"hunts_athena"`

	AlarmEmail               string `json:"alarm_email"`
	UnclassifiedAlarmPercent int    `json:"unclassified_alarm_percent"`
}

// FunctionVars sizes one Lambda function.
type FunctionVars struct {
	MemoryMB       int `json:"memory_mb"`
	TimeoutSeconds int `json:"timeout_seconds"`
}

// Buffer is Firehose's buffering hints, from global.yaml.
type Buffer struct {
	SizeMiB         int `json:"size_mib"`
	IntervalSeconds int `json:"interval_seconds"`
}

// Table is one Glue table and its Firehose stream.
type Table struct {
	// LogType is the log type it stores, "" for unclassified and alerts.
	LogType     string              `json:"log_type"`
	Description string              `json:"description"`
	Columns     []schema.GlueColumn `json:"columns"`
	// Prefix is the key prefix of the table's files in the lake bucket
	// (lake prefix + parquet/<table>/); FirehosePrefix adds the hour
	// partition as Firehose's timestamp namespace writes it, and
	// PartitionTemplate as Glue's partition projection reads it. All three
	// come from schema's lake layout, the one place that spells it.
	Prefix            string `json:"prefix"`
	FirehosePrefix    string `json:"firehose_prefix"`
	PartitionTemplate string `json:"partition_template"`
}

// KinesisSource is a Kinesis stream and its event source mapping.
type KinesisSource struct {
	Stream string `json:"stream"`
	// Create makes the stream (KMS-encrypted); false uses an existing one.
	Create             bool `json:"create"`
	Shards             int  `json:"shards"` // 0: on-demand
	RetentionHours     int  `json:"retention_hours"`
	BatchSize          int  `json:"batch_size"`
	BatchWindowSeconds int  `json:"batch_window_seconds"`
}

// SQSSource is an existing queue the classifier reads.
type SQSSource struct {
	// Queue is the queue's ARN, or its name in the deployment's account.
	Queue              string `json:"queue"`
	BatchSize          int    `json:"batch_size"`
	BatchWindowSeconds int    `json:"batch_window_seconds"`
}

// S3Source is an existing bucket whose object notifications reach the
// classifier through a queue the deployment makes.
type S3Source struct {
	Bucket             string `json:"bucket"`
	KeyPrefix          string `json:"key_prefix"`
	BatchSize          int    `json:"batch_size"`
	BatchWindowSeconds int    `json:"batch_window_seconds"`
}

// SNSSource is an existing topic the classifier subscribes to.
type SNSSource struct {
	// Topic is the topic's ARN, or its name in the deployment's account.
	Topic string `json:"topic"`
}

// HTTPSource is an HTTP ingest route: a function URL or an API Gateway
// HTTP API route POST /v1/ingest/<source>.
type HTTPSource struct {
	Endpoint string `json:"endpoint"`
}

// OutputTargets are the AWS resources the alerts function sends to, from
// outputs.yaml; they become its IAM permissions, nothing wider.
type OutputTargets struct {
	SNSTopicARNs    []string `json:"sns_topic_arns"`
	SQSQueueARNs    []string `json:"sqs_queue_arns"`
	LambdaFunctions []string `json:"lambda_functions"`
	FirehoseStreams []string `json:"firehose_streams"`
	// S3Objects are bucket/prefix pairs, written bucket/prefix.
	S3Objects []string `json:"s3_objects"`
	// SESIdentities are sender addresses and their domains.
	SESIdentities []string `json:"ses_identities"`
}

// Hunt is one scheduled hunt.
type Hunt struct {
	Schedule    string `json:"schedule"`
	Description string `json:"description"`
}

// HuntsAthena says where the hunts function runs its queries.
type HuntsAthena struct {
	WorkGroup      string `json:"workgroup"`
	OutputLocation string `json:"output_location"`
}
