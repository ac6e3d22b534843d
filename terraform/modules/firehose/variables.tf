variable "prefix" {
  type        = string
  description = "Deployment prefix; streams are <prefix>_streamalert_<table>."
}

variable "region" {
  type        = string
  description = "AWS region of the deployment."
}

variable "account_id" {
  type        = string
  description = "AWS account id of the deployment."
}

variable "tables" {
  type        = map(object({ firehose_prefix = string }))
  description = "Lake tables, one delivery stream each, with the key prefix (hour partition included) the stream writes to."
}

variable "database" {
  type        = string
  description = "Glue database whose tables drive the Parquet conversion."
}

variable "data_bucket_arn" {
  type        = string
  description = "ARN of the lake bucket."
}

variable "lake_prefix" {
  type        = string
  description = "Key prefix of the lake in the bucket (\"\" or ending in /): conversion errors go under <lake_prefix>errors/."
}

variable "lake_root" {
  type        = string
  description = "Key prefix under which every table lives; the streams may write there only."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for the streams, the objects they write and their error logs."
}

variable "buffer_size_mib" {
  type        = number
  description = "Buffer size hint in MiB (global.yaml buffer.size_mib)."
}

variable "buffer_interval_seconds" {
  type        = number
  description = "Buffer interval hint in seconds (global.yaml buffer.interval_seconds)."
}

variable "log_retention_days" {
  type        = number
  description = "Days the delivery error logs are kept."
}
