# One delivery stream per lake table: JSON records in, Parquet out against
# the table's Glue schema, under the prefix deploy generate takes from
# schema's lake layout (parquet/<table>/dt=YYYY-MM-DD-HH/), the layout the
# embedded writer uses.

locals {
  streams = { for t, _ in var.tables : t => "${var.prefix}_streamalert_${t}" }
  # Record format conversion needs a buffer of at least 64 MiB.
  buffer_mib = max(64, var.buffer_size_mib)
  log_group  = "/aws/kinesisfirehose/${var.prefix}_streamalert"
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_cloudwatch_log_stream" "this" {
  for_each       = local.streams
  name           = each.key
  log_group_name = aws_cloudwatch_log_group.this.name
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["firehose.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.prefix}_streamalert_firehose"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "delivery" {
  statement {
    sid       = "WriteLake"
    actions   = ["s3:AbortMultipartUpload", "s3:PutObject"]
    resources = ["${var.data_bucket_arn}/${var.lake_root}*", "${var.data_bucket_arn}/${var.lake_prefix}errors/*"]
  }
  statement {
    sid       = "LocateLake"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]
    resources = [var.data_bucket_arn]
  }
  statement {
    sid     = "ReadSchemas"
    actions = ["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"]
    resources = concat(
      ["arn:aws:glue:${var.region}:${var.account_id}:catalog", "arn:aws:glue:${var.region}:${var.account_id}:database/${var.database}"],
      [for t, _ in var.tables : "arn:aws:glue:${var.region}:${var.account_id}:table/${var.database}/${t}"],
    )
  }
  statement {
    sid       = "EncryptObjects"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
  statement {
    sid       = "LogDeliveryErrors"
    actions   = ["logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:log-stream:*"]
  }
}

resource "aws_iam_role_policy" "delivery" {
  name   = "delivery"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.delivery.json
}

resource "aws_kinesis_firehose_delivery_stream" "this" {
  for_each    = local.streams
  name        = each.value
  destination = "extended_s3"

  server_side_encryption {
    enabled  = true
    key_type = "CUSTOMER_MANAGED_CMK"
    key_arn  = var.kms_key_arn
  }

  extended_s3_configuration {
    role_arn            = aws_iam_role.this.arn
    bucket_arn          = var.data_bucket_arn
    prefix              = var.tables[each.key].firehose_prefix
    error_output_prefix = "${var.lake_prefix}errors/${each.key}/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd-HH}/"
    buffering_size      = local.buffer_mib
    buffering_interval  = var.buffer_interval_seconds
    kms_key_arn         = var.kms_key_arn

    cloudwatch_logging_options {
      enabled         = true
      log_group_name  = aws_cloudwatch_log_group.this.name
      log_stream_name = aws_cloudwatch_log_stream.this[each.key].name
    }

    data_format_conversion_configuration {
      input_format_configuration {
        deserializer {
          open_x_json_ser_de {
            case_insensitive = true
          }
        }
      }
      output_format_configuration {
        serializer {
          parquet_ser_de {
            compression = "SNAPPY"
          }
        }
      }
      schema_configuration {
        database_name = var.database
        table_name    = each.key
        role_arn      = aws_iam_role.this.arn
        region        = var.region
      }
    }
  }
}
