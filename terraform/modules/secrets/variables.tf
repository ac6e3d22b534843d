variable "prefix" {
  type        = string
  description = "Deployment prefix (global.yaml prefix); names the key alias and parameter paths."
}

variable "account_id" {
  type        = string
  description = "AWS account id the key belongs to."
}

variable "region" {
  type        = string
  description = "AWS region of the deployment."
}

variable "ssm_prefix" {
  type        = string
  description = "SSM path under which `streamalert outputs set --ssm-prefix` stores output secrets, e.g. /streamalert/outputs."
}

variable "parameter_names" {
  type        = list(string)
  description = "Output secret parameters (service/descriptor) under ssm_prefix that the configured outputs read."
}
