variable "prefix" {
  type        = string
  description = "Deployment prefix; names the workgroup."
}

variable "results_bucket" {
  type        = string
  description = "Bucket for query results."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key that encrypts query results."
}

variable "bytes_scanned_cutoff" {
  type        = number
  description = "Bytes a single query may scan before Athena cancels it."
}
