variable "streams" {
  type = map(object({
    shards          = number
    retention_hours = number
  }))
  description = "Streams to create, by name: shards (0: on-demand capacity) and retention in hours."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for the streams' server-side encryption."
}
