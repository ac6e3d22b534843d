output "stream_arns" {
  description = "ARN of each created stream, by name."
  value       = { for k, s in aws_kinesis_stream.this : k => s.arn }
}
