output "stream_arns" {
  description = "ARN of each delivery stream, by table."
  value       = { for k, s in aws_kinesis_firehose_delivery_stream.this : k => s.arn }
}

output "stream_names" {
  description = "Name of each delivery stream, by table."
  value       = local.streams
}

output "stream_arn_pattern" {
  description = "ARN pattern that covers every delivery stream of the deployment (and only those)."
  value       = "arn:aws:firehose:${var.region}:${var.account_id}:deliverystream/${var.prefix}_streamalert_*"
}
