variable "prefix" {
  type        = string
  description = "Deployment prefix; names the schedule group and role."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key that encrypts the schedules' inputs."
}

variable "dispatch_schedule" {
  type        = string
  description = "Schedule expression of the alerts dispatcher tick, e.g. rate(1 minute)."
}

variable "alerts_function_arn" {
  type        = string
  description = "Alias ARN of the alerts function."
}

variable "hunts" {
  type        = map(object({ schedule = string, description = string }))
  description = "Scheduled hunts by name (hunts/ of the config)."
}

variable "hunts_function_arn" {
  type        = string
  description = "Alias ARN of the hunts function; empty until that function is deployed (no hunt schedules then)."
  default     = ""
}
