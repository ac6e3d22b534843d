variable "database" {
  type        = string
  description = "Glue database of the lake tables."
}

variable "tables" {
  type = map(object({
    log_type    = string
    description = string
    columns     = list(object({ name = string, type = string }))
  }))
  description = "Lake tables by name with their Glue columns, from `streamalert deploy generate`."
}

variable "data_bucket" {
  type        = string
  description = "Lake bucket name."
}

variable "lake_prefix" {
  type        = string
  description = "Key prefix of the lake in the bucket (\"\" or ending in /)."
}
