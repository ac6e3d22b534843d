# Everything that invokes the classifier, from sources.yaml: Kinesis and
# SQS event source mappings (partial batch failures reported, Kinesis
# batches bisected on error), S3 notifications through an SQS queue, SNS
# subscriptions and HTTP ingest. The classifier's role gets read access to
# exactly these sources.

locals {
  kinesis_arns = { for k, s in var.kinesis_sources : k => s.stream_arn }
  # Queues and topics are ARNs, or names in the deployment's account.
  sqs_arns     = { for k, s in var.sqs_sources : k => startswith(s.queue, "arn:") ? s.queue : "arn:aws:sqs:${var.region}:${var.account_id}:${s.queue}" }
  topic_arns   = { for k, s in var.sns_sources : k => startswith(s.topic, "arn:") ? s.topic : "arn:aws:sns:${var.region}:${var.account_id}:${s.topic}" }
  function_url = { for k, s in var.http_sources : k => s if s.endpoint == "function_url" }
  api_routes   = { for k, s in var.http_sources : k => s if s.endpoint == "api_gateway" }
}

# --- Kinesis

resource "aws_lambda_event_source_mapping" "kinesis" {
  for_each                           = var.kinesis_sources
  function_name                      = var.alias_arn
  event_source_arn                   = each.value.stream_arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = each.value.batch_size
  maximum_batching_window_in_seconds = each.value.batch_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]
  bisect_batch_on_function_error     = true
  maximum_retry_attempts             = 10

  destination_config {
    on_failure {
      destination_arn = var.dlq_arn
    }
  }
}

# --- S3 through SQS

resource "aws_sqs_queue" "s3_dlq" {
  for_each                  = var.s3_sources
  name                      = "${var.prefix}_streamalert_${each.key}_dlq"
  kms_master_key_id         = var.kms_key_arn
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "s3" {
  for_each                   = var.s3_sources
  name                       = "${var.prefix}_streamalert_${each.key}"
  kms_master_key_id          = var.kms_key_arn
  visibility_timeout_seconds = 6 * var.function_timeout_seconds
  message_retention_seconds  = 345600
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.s3_dlq[each.key].arn
    maxReceiveCount     = 5
  })
}

data "aws_iam_policy_document" "s3_queue" {
  for_each = var.s3_sources
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.s3[each.key].arn]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = ["arn:aws:s3:::${each.value.bucket}"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_sqs_queue_policy" "s3" {
  for_each  = var.s3_sources
  queue_url = aws_sqs_queue.s3[each.key].id
  policy    = data.aws_iam_policy_document.s3_queue[each.key].json
}

# A bucket has one notification configuration: this replaces any other the
# bucket had (docs/deploy-aws.md says so).
resource "aws_s3_bucket_notification" "s3" {
  for_each = var.s3_sources
  bucket   = each.value.bucket
  queue {
    queue_arn     = aws_sqs_queue.s3[each.key].arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = each.value.key_prefix
  }
  depends_on = [aws_sqs_queue_policy.s3]
}

# --- SQS (given queues and the S3 notification queues)

resource "aws_lambda_event_source_mapping" "sqs" {
  for_each = merge(
    { for k, s in var.sqs_sources : k => { arn = local.sqs_arns[k], batch_size = s.batch_size, window = s.batch_window_seconds } },
    { for k, s in var.s3_sources : k => { arn = aws_sqs_queue.s3[k].arn, batch_size = s.batch_size, window = s.batch_window_seconds } },
  )
  function_name                      = var.alias_arn
  event_source_arn                   = each.value.arn
  batch_size                         = each.value.batch_size
  maximum_batching_window_in_seconds = each.value.window
  function_response_types            = ["ReportBatchItemFailures"]
}

# --- SNS

resource "aws_lambda_permission" "sns" {
  for_each      = var.sns_sources
  statement_id  = "sns-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  qualifier     = var.alias_name
  principal     = "sns.amazonaws.com"
  source_arn    = local.topic_arns[each.key]
}

resource "aws_sns_topic_subscription" "sns" {
  for_each   = var.sns_sources
  topic_arn  = local.topic_arns[each.key]
  protocol   = "lambda"
  endpoint   = var.alias_arn
  depends_on = [aws_lambda_permission.sns]
}

# --- HTTP: a function URL (the bearer token of sources.yaml or
# STREAMALERT_HTTP_TOKEN is checked by the function) or an API Gateway
# HTTP API with access logs and throttling.

resource "aws_lambda_function_url" "http" {
  count              = length(local.function_url) > 0 ? 1 : 0
  function_name      = var.function_name
  qualifier          = var.alias_name
  authorization_type = "NONE"
}

# A function URL without IAM auth needs a resource policy that lets anyone
# call it: the request is authenticated by the function (bearer token,
# compared in constant time), not by IAM.
resource "aws_lambda_permission" "function_url" {
  count                  = length(aws_lambda_function_url.http)
  statement_id           = "function-url"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = var.function_name
  qualifier              = var.alias_name
  principal              = "*"
  function_url_auth_type = "NONE"
}

resource "aws_apigatewayv2_api" "http" {
  count         = length(local.api_routes) > 0 ? 1 : 0
  name          = "${var.prefix}_streamalert_ingest"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "http" {
  count                  = length(aws_apigatewayv2_api.http)
  api_id                 = aws_apigatewayv2_api.http[0].id
  integration_type       = "AWS_PROXY"
  integration_uri        = var.alias_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "http" {
  for_each  = local.api_routes
  api_id    = aws_apigatewayv2_api.http[0].id
  route_key = "POST /v1/ingest/${each.key}"
  target    = "integrations/${aws_apigatewayv2_integration.http[0].id}"
}

resource "aws_cloudwatch_log_group" "http" {
  count             = length(aws_apigatewayv2_api.http)
  name              = "/aws/apigateway/${var.prefix}_streamalert_ingest"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_apigatewayv2_stage" "http" {
  count       = length(aws_apigatewayv2_api.http)
  api_id      = aws_apigatewayv2_api.http[0].id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = 500
    throttling_rate_limit  = 1000
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.http[0].arn
    format = jsonencode({
      requestId = "$context.requestId", ip = "$context.identity.sourceIp", route = "$context.routeKey",
      status    = "$context.status", length = "$context.responseLength", latency = "$context.integrationLatency"
    })
  }
}

resource "aws_lambda_permission" "http" {
  count         = length(aws_apigatewayv2_api.http)
  statement_id  = "apigateway-ingest"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  qualifier     = var.alias_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http[0].execution_arn}/*/*/v1/ingest/*"
}

# --- What the classifier may read: these sources, nothing else.

data "aws_iam_policy_document" "read" {
  dynamic "statement" {
    for_each = length(local.kinesis_arns) > 0 ? [1] : []
    content {
      sid       = "ReadStreams"
      actions   = ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards", "kinesis:SubscribeToShard"]
      resources = values(local.kinesis_arns)
    }
  }
  dynamic "statement" {
    for_each = length(local.kinesis_arns) > 0 ? [1] : []
    content {
      sid     = "ListStreams"
      actions = ["kinesis:ListStreams"]
      # resource-wildcard: kinesis:ListStreams acts on the account and takes no resource ARN.
      resources = ["*"]
    }
  }
  dynamic "statement" {
    for_each = length(var.sqs_sources) + length(var.s3_sources) > 0 ? [1] : []
    content {
      sid       = "ReadQueues"
      actions   = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]
      resources = concat(values(local.sqs_arns), [for q in aws_sqs_queue.s3 : q.arn])
    }
  }
  dynamic "statement" {
    for_each = length(var.s3_sources) > 0 ? [1] : []
    content {
      sid       = "ReadObjects"
      actions   = ["s3:GetObject", "s3:GetObjectVersion"]
      resources = [for s in var.s3_sources : "arn:aws:s3:::${s.bucket}/${s.key_prefix}*"]
    }
  }
  statement {
    sid       = "DecryptSources"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "read" {
  name   = "sources"
  role   = var.role_name
  policy = data.aws_iam_policy_document.read.json
}
