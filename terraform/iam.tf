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
