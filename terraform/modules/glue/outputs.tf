output "database" {
  description = "Name of the Glue database."
  value       = aws_glue_catalog_database.this.name
}

output "table_arns" {
  description = "ARN of each Glue table, by table name."
  value       = { for k, t in aws_glue_catalog_table.this : k => t.arn }
}

output "database_arn" {
  description = "ARN of the Glue database."
  value       = aws_glue_catalog_database.this.arn
}
