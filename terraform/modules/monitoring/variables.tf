variable "prefix" {
  type        = string
  description = "Deployment prefix; names the topic and alarms."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the alarm topic."
}

variable "alarm_email" {
  type        = string
  description = "Address subscribed to the alarm topic; empty for none."
}

variable "functions" {
  type        = map(string)
  description = "Function names to alarm on (errors, throttles), by role (classifier, alerts)."
}

variable "kinesis_streams" {
  type        = set(string)
  description = "Kinesis streams whose iterator age to alarm on."
}

variable "delivery_streams" {
  type        = map(string)
  description = "Firehose delivery stream names by table, alarmed on failed deliveries and conversions."
}

variable "dead_letter_queues" {
  type        = map(string)
  description = "Dead-letter queue names, alarmed when anything lands in them."
}

variable "metric_namespace" {
  type        = string
  description = "CloudWatch namespace of the functions' Embedded Metric Format metrics."
}

variable "unclassified_alarm_percent" {
  type        = number
  description = "Alarm when more than this share of records is unclassified over 15 minutes."
}
