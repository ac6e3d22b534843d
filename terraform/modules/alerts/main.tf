# The alert table: the same keys and indexes as alerts.CreateDynamoTable
# (id; by_status on status+due, by_rule on rule+created), on-demand
# billing, a NEW_IMAGE stream for the alerts function, point-in-time
# recovery, the deployment's key, and TTL on the expires attribute that
# the store sets on closed alerts.

resource "aws_dynamodb_table" "this" {
  name                        = var.table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  stream_enabled              = true
  stream_view_type            = "NEW_IMAGE"
  deletion_protection_enabled = true

  attribute {
    name = "id"
    type = "S"
  }
  attribute {
    name = "status"
    type = "S"
  }
  attribute {
    name = "due"
    type = "N"
  }
  attribute {
    name = "rule"
    type = "S"
  }
  attribute {
    name = "created"
    type = "N"
  }

  global_secondary_index {
    name            = "by_status"
    hash_key        = "status"
    range_key       = "due"
    projection_type = "ALL"
  }

  global_secondary_index {
    name            = "by_rule"
    hash_key        = "rule"
    range_key       = "created"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = "expires"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}

resource "aws_lambda_event_source_mapping" "stream" {
  function_name                  = var.alerts_function_arn
  event_source_arn               = aws_dynamodb_table.this.stream_arn
  starting_position              = "LATEST"
  batch_size                     = 100
  bisect_batch_on_function_error = true
  maximum_retry_attempts         = 10

  destination_config {
    on_failure {
      destination_arn = var.dlq_arn
    }
  }
}

data "aws_iam_policy_document" "stream" {
  statement {
    sid       = "ReadStream"
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
    resources = [aws_dynamodb_table.this.stream_arn]
  }
  # Lambda checks this action when it creates the mapping.
  statement {
    sid     = "ListStreams"
    actions = ["dynamodb:ListStreams"]
    # resource-wildcard: dynamodb:ListStreams lists the account's streams and takes no resource ARN.
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "stream" {
  name   = "alert-stream"
  role   = var.alerts_role_name
  policy = data.aws_iam_policy_document.stream.json
}
