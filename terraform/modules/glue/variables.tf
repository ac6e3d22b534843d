variable "database" {
  type        = string
  description = "Glue database of the lake tables."
}

variable "tables" {
  type = map(object({
    log_type           = string
    description        = string
    columns            = list(object({ name = string, type = string }))
    prefix             = string
    partition_template = string
  }))
  description = "Lake tables by name: Glue columns, key prefix and partition template, from `streamalert deploy generate`."
}

variable "data_bucket" {
  type        = string
  description = "Lake bucket name."
}
