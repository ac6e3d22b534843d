output "lake_bucket" {
  description = "Bucket of the Parquet lake."
  value       = module.lake.data_bucket
}

output "athena_workgroup" {
  description = "Athena workgroup for hunts and ad-hoc queries."
  value       = module.athena.workgroup
}

output "glue_database" {
  description = "Glue database of the lake tables."
  value       = module.glue.database
}

output "alert_table" {
  description = "DynamoDB alert table."
  value       = module.alerts.table_name
}

output "kms_key_alias" {
  description = "KMS key alias: `streamalert outputs set --ssm-prefix P --kms-key ALIAS`."
  value       = module.secrets.key_alias
}

output "secrets_ssm_prefix" {
  description = "SSM prefix of the output secrets."
  value       = module.secrets.ssm_prefix
}

output "http_ingest_url" {
  description = "Function URL of HTTP ingest, when a source asks for one."
  value       = module.classifier_triggers.function_url
}

output "http_api_endpoint" {
  description = "API Gateway endpoint of HTTP ingest, when a source asks for one."
  value       = module.classifier_triggers.api_endpoint
}

output "alarm_topic_arn" {
  description = "SNS topic of every alarm."
  value       = module.monitoring.alarm_topic_arn
}

output "hunt_schedules" {
  description = "Hunt schedules made (none until the hunts function exists)."
  value       = module.schedules.hunt_schedules
}
