output "key_arn" {
  description = "ARN of the deployment's KMS key."
  value       = aws_kms_key.this.arn
}

output "key_alias" {
  description = "Alias of the key, for `streamalert outputs set --kms-key`."
  value       = aws_kms_alias.this.name
}

output "parameter_arns" {
  description = "ARNs of the output secret parameters the alerts function may read."
  value       = local.parameter_arns
}

output "ssm_prefix" {
  description = "SSM path of the output secrets (STREAMALERT_SECRETS_SSM_PREFIX)."
  value       = local.ssm_prefix
}
