variable "prefix" {
  type        = string
  description = "Deployment prefix; names the queues and the HTTP API."
}

variable "region" {
  type        = string
  description = "AWS region of the deployment."
}

variable "account_id" {
  type        = string
  description = "AWS account id of the deployment."
}

variable "function_name" {
  type        = string
  description = "Name of the classifier function."
}

variable "alias_name" {
  type        = string
  description = "Alias of the classifier that triggers invoke."
}

variable "alias_arn" {
  type        = string
  description = "ARN of that alias."
}

variable "role_name" {
  type        = string
  description = "Role of the classifier, which gets read access to exactly the sources below."
}

variable "function_timeout_seconds" {
  type        = number
  description = "The classifier's timeout; queue visibility timeouts are six times it."
}

variable "dlq_arn" {
  type        = string
  description = "Queue that receives what a Kinesis mapping gives up on."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the deployment (queues it makes, streams it made)."
}

variable "log_retention_days" {
  type        = number
  description = "Days the HTTP API's access logs are kept."
}

variable "kinesis_sources" {
  type = map(object({
    stream               = string
    stream_arn           = string
    batch_size           = number
    batch_window_seconds = number
  }))
  description = "Kinesis sources by name: the stream, its ARN and the mapping's batching."
}

variable "sqs_sources" {
  type = map(object({
    queue                = string
    batch_size           = number
    batch_window_seconds = number
  }))
  description = "SQS sources by name: an existing queue (ARN, or name in this account) and the mapping's batching."
}

variable "s3_sources" {
  type = map(object({
    bucket               = string
    key_prefix           = string
    batch_size           = number
    batch_window_seconds = number
  }))
  description = "S3 sources by name: an existing bucket whose notifications reach the classifier through a queue made here."
}

variable "sns_sources" {
  type        = map(object({ topic = string }))
  description = "SNS sources by name: an existing topic (ARN, or name in this account) the classifier subscribes to."
}

variable "http_sources" {
  type        = map(object({ endpoint = string }))
  description = "HTTP sources by name: endpoint function_url or api_gateway."
}
