output "data_bucket" {
  description = "Name of the lake bucket."
  value       = aws_s3_bucket.this["data"].id
}

output "data_bucket_arn" {
  description = "ARN of the lake bucket."
  value       = aws_s3_bucket.this["data"].arn
}

output "results_bucket" {
  description = "Name of the Athena results bucket."
  value       = aws_s3_bucket.this["results"].id
}

output "results_bucket_arn" {
  description = "ARN of the Athena results bucket."
  value       = aws_s3_bucket.this["results"].arn
}

output "access_log_bucket" {
  description = "Name of the bucket that receives the S3 access logs."
  value       = aws_s3_bucket.this["logs"].id
}
