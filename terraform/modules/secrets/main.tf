# One customer-managed key encrypts the deployment's data at rest: the lake
# buckets, Kinesis streams, SQS queues, the alert table, log groups, the
# alarm topic and the output secrets in SSM.

data "aws_iam_policy_document" "key" {
  # Key administration and use stay with the account (IAM policies grant
  # them further); every action is named, none by wildcard.
  statement {
    sid    = "AccountAdministersKey"
    effect = "Allow"
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${var.account_id}:root"]
    }
    actions = [
      "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
      "kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation",
      "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus", "kms:ListGrants", "kms:ListResourceTags", "kms:PutKeyPolicy",
      "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant", "kms:RevokeGrant", "kms:ScheduleKeyDeletion",
      "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
    ]
    # resource-wildcard: in a key policy "*" means this key and nothing else.
    resources = ["*"]
  }

  # CloudWatch Logs encrypts the deployment's log groups, and only those.
  statement {
    sid    = "LogsEncryptDeploymentLogGroups"
    effect = "Allow"
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    actions = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"]
    # resource-wildcard: in a key policy "*" means this key and nothing else.
    resources = ["*"]
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values = [
        "arn:aws:logs:${var.region}:${var.account_id}:log-group:/aws/lambda/${var.prefix}_streamalert_*",
        "arn:aws:logs:${var.region}:${var.account_id}:log-group:/aws/kinesisfirehose/${var.prefix}_streamalert*",
        "arn:aws:logs:${var.region}:${var.account_id}:log-group:/aws/apigateway/${var.prefix}_streamalert*",
      ]
    }
  }

  # S3 event notifications into the encrypted source queues, and
  # CloudWatch alarms into the encrypted alarm topic, from this account.
  statement {
    sid    = "ServicesWriteEncryptedQueuesAndTopic"
    effect = "Allow"
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com", "cloudwatch.amazonaws.com"]
    }
    actions = ["kms:Decrypt", "kms:GenerateDataKey"]
    # resource-wildcard: in a key policy "*" means this key and nothing else.
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.prefix} streamalert: data at rest and output secrets"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.prefix}-streamalert"
  target_key_id = aws_kms_key.this.key_id
}

locals {
  ssm_prefix = trimsuffix(var.ssm_prefix, "/")
  # The parameters themselves are written by `streamalert outputs set
  # --ssm-prefix`, so that no secret ever passes through Terraform state.
  parameter_arns = [for p in var.parameter_names : "arn:aws:ssm:${var.region}:${var.account_id}:parameter${local.ssm_prefix}/${p}"]
}
