variable "prefix" {
  type        = string
  description = "Deployment prefix (global.yaml prefix): names every resource."
}

variable "region" {
  type        = string
  description = "AWS region (global.yaml region)."
}

variable "glue_database" {
  type        = string
  description = "Glue database of the lake tables."
}

variable "lake_bucket" {
  type        = string
  description = "Lake bucket name (from global.yaml lake: s3://BUCKET/PREFIX)."
}

variable "lake_prefix" {
  type        = string
  description = "Key prefix of the lake in the bucket (\"\" or ending in /)."
}

variable "lake_root" {
  type        = string
  description = "Key prefix under which every lake table lives (lake prefix + parquet/)."
}

variable "architecture" {
  type        = string
  description = "Architecture of the Lambda zips: arm64 or amd64."
}

variable "lambda_zips" {
  type        = map(string)
  description = "Zip of each function from `streamalert lambda package`, by function."
}

variable "config_archive" {
  type        = string
  description = "The config directory as .tar.gz (`streamalert deploy generate`), uploaded for the functions."
}

variable "functions" {
  type        = map(object({ memory_mb = number, timeout_seconds = number }))
  description = "Memory and timeout of each function (deploy.yaml functions)."
}

variable "log_retention_days" {
  type        = number
  description = "Days every log group keeps its logs (deploy.yaml log_retention_days)."
}

variable "firehose_buffer" {
  type        = object({ size_mib = number, interval_seconds = number })
  description = "Firehose buffering hints (global.yaml buffer)."
}

variable "lake_transition_ia_days" {
  type        = number
  description = "Days after which lake objects move to Standard-IA; 0 never."
}

variable "lake_expire_days" {
  type        = number
  description = "Days after which lake objects are deleted; 0 never."
}

variable "athena_bytes_scanned_cutoff" {
  type        = number
  description = "Bytes one Athena query may scan."
}

variable "tables" {
  type = map(object({
    log_type           = string
    description        = string
    columns            = list(object({ name = string, type = string }))
    prefix             = string
    firehose_prefix    = string
    partition_template = string
  }))
  description = "Lake tables (log types some source carries, unclassified, alerts): Glue columns and the key prefixes of schema's lake layout."
}

variable "kinesis_sources" {
  type = map(object({
    stream               = string
    create               = bool
    shards               = number
    retention_hours      = number
    batch_size           = number
    batch_window_seconds = number
  }))
  description = "Kinesis sources of sources.yaml with deploy.yaml's settings."
}

variable "sqs_sources" {
  type        = map(object({ queue = string, batch_size = number, batch_window_seconds = number }))
  description = "SQS sources of sources.yaml."
}

variable "s3_sources" {
  type        = map(object({ bucket = string, key_prefix = string, batch_size = number, batch_window_seconds = number }))
  description = "S3 sources of sources.yaml."
}

variable "sns_sources" {
  type        = map(object({ topic = string }))
  description = "SNS sources of sources.yaml."
}

variable "http_sources" {
  type        = map(object({ endpoint = string }))
  description = "HTTP sources of sources.yaml: function_url or api_gateway."
}

variable "secrets_ssm_prefix" {
  type        = string
  description = "SSM path of the output secrets (`streamalert outputs set --ssm-prefix`)."
}

variable "output_secret_parameters" {
  type        = list(string)
  description = "Output secret parameters (service/descriptor) the configured outputs need."
}

variable "output_targets" {
  type = object({
    sns_topic_arns   = list(string)
    sqs_queue_arns   = list(string)
    lambda_functions = list(string)
    firehose_streams = list(string)
    s3_objects       = list(string)
    ses_identities   = list(string)
  })
  description = "AWS resources the outputs of outputs.yaml send to; the alerts function may send to these only."
}

variable "dispatch_schedule" {
  type        = string
  description = "Schedule expression of the alerts dispatcher tick."
}

variable "hunts" {
  type        = map(object({ schedule = string, description = string }))
  description = "Scheduled hunts: the shipped pack and hunts/ of the config, less those historical.yaml disables, with its schedule overrides."
}

variable "hunts_athena" {
  type        = object({ workgroup = string, output_location = string })
  description = "historical.yaml's Athena workgroup and result location for the hunts function; empty: the deployment's workgroup, which enforces its own result location."
}

variable "alarm_email" {
  type        = string
  description = "Address subscribed to the alarm topic; empty for none."
}

variable "unclassified_alarm_percent" {
  type        = number
  description = "Alarm when more than this share of records is unclassified."
}
