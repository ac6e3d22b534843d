variable "table_name" {
  type        = string
  description = "Name of the alert table (<prefix>_streamalert_alerts)."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the table."
}

variable "alerts_function_arn" {
  type        = string
  description = "Alias ARN of the alerts function, which reads the table's stream."
}

variable "alerts_role_name" {
  type        = string
  description = "Role of the alerts function, which gets read access to the stream."
}

variable "dlq_arn" {
  type        = string
  description = "Queue that receives stream batches the alerts function gives up on."
}
