# Alarms to one SNS topic: function errors and throttles, Kinesis iterator
# age, Firehose delivery and conversion failures, dead-letter queue depth,
# and the share of unclassified records (from the functions' Embedded
# Metric Format log lines).

resource "aws_sns_topic" "alarms" {
  name              = "${var.prefix}_streamalert_alarms"
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  actions = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  for_each            = var.functions
  alarm_name          = "${each.value}_errors"
  alarm_description   = "The ${each.key} function failed invocations."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "throttles" {
  for_each            = var.functions
  alarm_name          = "${each.value}_throttles"
  alarm_description   = "The ${each.key} function was throttled."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "iterator_age" {
  for_each            = var.kinesis_streams
  alarm_name          = "${var.prefix}_streamalert_${each.key}_iterator_age"
  alarm_description   = "The classifier is more than 10 minutes behind Kinesis stream ${each.key}."
  namespace           = "AWS/Kinesis"
  metric_name         = "GetRecords.IteratorAgeMilliseconds"
  dimensions          = { StreamName = each.key }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  threshold           = 600000
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "delivery" {
  for_each            = var.delivery_streams
  alarm_name          = "${each.value}_delivery"
  alarm_description   = "Firehose could not write ${each.key} to S3."
  namespace           = "AWS/Firehose"
  metric_name         = "DeliveryToS3.Success"
  dimensions          = { DeliveryStreamName = each.value }
  statistic           = "Minimum"
  period              = 900
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "conversion" {
  for_each            = var.delivery_streams
  alarm_name          = "${each.value}_conversion"
  alarm_description   = "Firehose could not convert ${each.key} records to Parquet (see errors/ in the lake bucket)."
  namespace           = "AWS/Firehose"
  metric_name         = "FailedConversion.Records"
  dimensions          = { DeliveryStreamName = each.value }
  statistic           = "Sum"
  period              = 900
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "dlq" {
  for_each            = var.dead_letter_queues
  alarm_name          = "${each.value}_depth"
  alarm_description   = "Messages wait in dead-letter queue ${each.value} (${each.key})."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "firehose_failures" {
  alarm_name          = "${var.prefix}_streamalert_firehose_failures"
  alarm_description   = "The classifier could not put records to Firehose after its retries."
  namespace           = var.metric_namespace
  metric_name         = "FirehoseFailures"
  dimensions          = { Function = var.functions["classifier"] }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "unclassified" {
  alarm_name          = "${var.prefix}_streamalert_unclassified_rate"
  alarm_description   = "More than ${var.unclassified_alarm_percent}% of records were unclassified (a new log format, or a schema that no longer fits)."
  evaluation_periods  = 1
  threshold           = var.unclassified_alarm_percent
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions

  metric_query {
    id          = "rate"
    expression  = "IF(records > 0, 100 * unclassified / records, 0)"
    label       = "unclassified %"
    return_data = true
  }
  metric_query {
    id = "unclassified"
    metric {
      namespace   = var.metric_namespace
      metric_name = "Unclassified"
      dimensions  = { Function = var.functions["classifier"] }
      stat        = "Sum"
      period      = 900
    }
  }
  metric_query {
    id = "records"
    metric {
      namespace   = var.metric_namespace
      metric_name = "RecordsIn"
      dimensions  = { Function = var.functions["classifier"] }
      stat        = "Sum"
      period      = 900
    }
  }
}
