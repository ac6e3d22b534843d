# What each function may do beyond its logs and dead-letter queue (the
# lambda module) and its triggers' sources (classifier_triggers, alerts).
# Every action is named and every resource is this deployment's own or one
# the config names.

locals {
  alert_table_resources = [module.alerts.table_arn, "${module.alerts.table_arn}/index/*"]
  config_object_arn     = "${module.lake.data_bucket_arn}/${local.config_key}"
  targets               = var.output_targets
}

data "aws_iam_policy_document" "classifier" {
  statement {
    sid       = "DeliverToLake"
    actions   = ["firehose:PutRecordBatch"]
    resources = values(module.firehose.stream_arns)
  }
  statement {
    sid       = "WriteAlerts"
    actions   = ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
    resources = local.alert_table_resources
  }
  statement {
    sid       = "ReadConfig"
    actions   = ["s3:GetObject"]
    resources = [local.config_object_arn]
  }
  statement {
    sid       = "DecryptConfig"
    actions   = ["kms:Decrypt"]
    resources = [module.secrets.key_arn]
  }
}

data "aws_iam_policy_document" "alerts" {
  statement {
    sid       = "AlertTable"
    actions   = ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
    resources = local.alert_table_resources
  }
  statement {
    sid       = "AlertsToLake"
    actions   = ["firehose:PutRecordBatch"]
    resources = [module.firehose.stream_arns["alerts"]]
  }
  statement {
    sid       = "ReadConfig"
    actions   = ["s3:GetObject"]
    resources = [local.config_object_arn]
  }
  statement {
    sid       = "DecryptConfigAndSecrets"
    actions   = ["kms:Decrypt"]
    resources = [module.secrets.key_arn]
  }
  dynamic "statement" {
    for_each = length(module.secrets.parameter_arns) > 0 ? [1] : []
    content {
      sid       = "ReadOutputSecrets"
      actions   = ["ssm:GetParameter"]
      resources = module.secrets.parameter_arns
    }
  }
  dynamic "statement" {
    for_each = length(local.targets.sns_topic_arns) > 0 ? [1] : []
    content {
      sid       = "OutputSNS"
      actions   = ["sns:Publish"]
      resources = local.targets.sns_topic_arns
    }
  }
  dynamic "statement" {
    for_each = length(local.targets.sqs_queue_arns) > 0 ? [1] : []
    content {
      sid       = "OutputSQS"
      actions   = ["sqs:SendMessage"]
      resources = local.targets.sqs_queue_arns
    }
  }
  dynamic "statement" {
    for_each = length(local.targets.lambda_functions) > 0 ? [1] : []
    content {
      sid     = "OutputLambda"
      actions = ["lambda:InvokeFunction"]
      resources = [for f in local.targets.lambda_functions :
      startswith(f, "arn:") ? f : "arn:aws:lambda:${var.region}:${local.account_id}:function:${f}"]
    }
  }
  dynamic "statement" {
    for_each = length(local.targets.firehose_streams) > 0 ? [1] : []
    content {
      sid       = "OutputFirehose"
      actions   = ["firehose:PutRecord"]
      resources = [for s in local.targets.firehose_streams : "arn:aws:firehose:${var.region}:${local.account_id}:deliverystream/${s}"]
    }
  }
  dynamic "statement" {
    for_each = length(local.targets.s3_objects) > 0 ? [1] : []
    content {
      sid       = "OutputS3"
      actions   = ["s3:PutObject"]
      resources = [for o in local.targets.s3_objects : "arn:aws:s3:::${o}/*"]
    }
  }
  dynamic "statement" {
    for_each = length(local.targets.ses_identities) > 0 ? [1] : []
    content {
      sid       = "OutputSES"
      actions   = ["ses:SendEmail"]
      resources = [for i in local.targets.ses_identities : "arn:aws:ses:${var.region}:${local.account_id}:identity/${i}"]
    }
  }
}

# The hunts function: queries in one workgroup, reads of the lake's tables
# and the results, its runs and alerts in the alert table, and (for feed
# hunts) the records the classifier path delivers.
locals {
  hunts_workgroup = var.hunts_athena.workgroup == "" ? module.athena.workgroup : var.hunts_athena.workgroup
  hunts_workgroup_arn = (var.hunts_athena.workgroup == "" ? module.athena.workgroup_arn
  : "arn:aws:athena:${var.region}:${local.account_id}:workgroup/${var.hunts_athena.workgroup}")
  # s3://bucket/prefix/ of historical.yaml's result location, if any.
  hunts_results = trimsuffix(trimprefix(var.hunts_athena.output_location, "s3://"), "/")
  hunts_results_objects = concat(["${module.lake.results_bucket_arn}/results/*"],
  local.hunts_results == "" ? [] : ["arn:aws:s3:::${local.hunts_results}/*"])
  hunts_results_buckets = distinct(concat([module.lake.results_bucket_arn],
  local.hunts_results == "" ? [] : ["arn:aws:s3:::${split("/", local.hunts_results)[0]}"]))
  hunts_streams = [for t in ["streamquery_results", "unclassified", "alerts"] : module.firehose.stream_arns[t] if contains(keys(module.firehose.stream_arns), t)]
}

data "aws_iam_policy_document" "hunts" {
  statement {
    sid       = "RunQueries"
    actions   = ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution"]
    resources = [local.hunts_workgroup_arn]
  }
  statement {
    sid     = "ReadTableDefinitions"
    actions = ["glue:GetDatabase", "glue:GetTable"]
    resources = concat(["arn:aws:glue:${var.region}:${local.account_id}:catalog", module.glue.database_arn],
    values(module.glue.table_arns))
  }
  statement {
    sid       = "ReadLake"
    actions   = ["s3:GetObject"]
    resources = ["${module.lake.data_bucket_arn}/${var.lake_root}*"]
  }
  statement {
    sid       = "ListLake"
    actions   = ["s3:ListBucket"]
    resources = [module.lake.data_bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.lake_root}*"]
    }
  }
  statement {
    sid       = "QueryResults"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = local.hunts_results_objects
  }
  statement {
    sid       = "ResultBuckets"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]
    resources = local.hunts_results_buckets
  }
  statement {
    sid       = "LakeBucketLocation"
    actions   = ["s3:GetBucketLocation"]
    resources = [module.lake.data_bucket_arn]
  }
  statement {
    sid       = "RunsAndAlerts"
    actions   = ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
    resources = local.alert_table_resources
  }
  statement {
    sid       = "FeedToLake"
    actions   = ["firehose:PutRecordBatch"]
    resources = local.hunts_streams
  }
  statement {
    sid       = "ReadConfig"
    actions   = ["s3:GetObject"]
    resources = [local.config_object_arn]
  }
  statement {
    sid       = "DecryptConfigLakeAndResults"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [module.secrets.key_arn]
  }
}
