variable "prefix" {
  type        = string
  description = "Deployment prefix; names the results and access-log buckets."
}

variable "data_bucket" {
  type        = string
  description = "Name of the lake bucket (Parquet under parquet/, the config archive under config/)."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key that encrypts the data and results buckets."
}

variable "transition_ia_days" {
  type        = number
  description = "Days after which lake objects move to Standard-IA (0: never)."
}

variable "expire_days" {
  type        = number
  description = "Days after which lake objects are deleted (0: never)."
}

variable "log_retention_days" {
  type        = number
  description = "Days the S3 access logs are kept."
}
