variable "name" {
  type        = string
  description = "Function name, e.g. streamalert_streamalert_classifier."
}

variable "description" {
  type        = string
  description = "What the function does."
}

variable "zip" {
  type        = string
  description = "Path of the function's zip from `streamalert lambda package`."
}

variable "architecture" {
  type        = string
  description = "arm64 or amd64, as the zip was built."
}

variable "memory_mb" {
  type        = number
  description = "Memory in MB."
}

variable "timeout_seconds" {
  type        = number
  description = "Timeout in seconds."
}

variable "reserved_concurrency" {
  type        = number
  description = "Reserved concurrency; -1 for none (the account's unreserved pool)."
}

variable "environment" {
  type        = map(string)
  description = "Environment variables of the function."
}

variable "policy_json" {
  type        = string
  description = "IAM policy document (JSON) of what the function may do beyond logging and its dead-letter queue."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for the log group, the environment and the dead-letter queue."
}

variable "log_retention_days" {
  type        = number
  description = "Days the function's logs are kept."
}

variable "tracing" {
  type        = bool
  description = "X-Ray active tracing (off by default: it costs per trace)."
  default     = false
}
