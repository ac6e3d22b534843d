output "function_url" {
  description = "HTTPS endpoint of the function URL (POST /v1/ingest/<source>), or null."
  value       = try(aws_lambda_function_url.http[0].function_url, null)
}

output "api_endpoint" {
  description = "Endpoint of the HTTP API (POST /v1/ingest/<source>), or null."
  value       = try(aws_apigatewayv2_api.http[0].api_endpoint, null)
}

output "s3_queue_arns" {
  description = "Queue of each S3 source's notifications, by source."
  value       = { for k, q in aws_sqs_queue.s3 : k => q.arn }
}

output "dlq_arns" {
  description = "Dead-letter queue of each S3 source's notification queue."
  value       = { for k, q in aws_sqs_queue.s3_dlq : k => q.arn }
}
