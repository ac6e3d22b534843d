# EventBridge Scheduler: the alerts dispatcher's tick (retries, closed
# merge windows, quiet staged rules) and one schedule per hunt.

locals {
  hunts   = var.hunts_function_arn == "" ? {} : var.hunts
  targets = compact([var.alerts_function_arn, var.hunts_function_arn])
}

resource "aws_scheduler_schedule_group" "this" {
  name = "${var.prefix}_streamalert"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.prefix}_streamalert_scheduler"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "invoke" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = local.targets
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "invoke" {
  name   = "invoke"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.invoke.json
}

resource "aws_scheduler_schedule" "dispatch" {
  name                = "${var.prefix}_streamalert_dispatch"
  group_name          = aws_scheduler_schedule_group.this.name
  schedule_expression = var.dispatch_schedule
  kms_key_arn         = var.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = var.alerts_function_arn
    role_arn = aws_iam_role.this.arn
    input    = jsonencode({ source = "streamalert.schedule", action = "dispatch" })
    retry_policy {
      maximum_retry_attempts = 0 # the next tick comes soon enough
    }
  }
}

resource "aws_scheduler_schedule" "hunt" {
  for_each            = local.hunts
  name                = "${var.prefix}_streamalert_hunt_${each.key}"
  group_name          = aws_scheduler_schedule_group.this.name
  description         = each.value.description
  schedule_expression = each.value.schedule
  kms_key_arn         = var.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = var.hunts_function_arn
    role_arn = aws_iam_role.this.arn
    # The scheduled time, not the time of delivery: a retried invocation
    # computes the same windows (huntsfn.Event).
    input = jsonencode({ source = "streamalert.schedule", hunt = each.key, time = "<aws.scheduler.scheduled-time>" })
    retry_policy {
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 3600
    }
  }
}
