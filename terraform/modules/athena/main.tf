# The workgroup queries run in: its result location and encryption are
# enforced (clients cannot override them) and each query has a scan limit.

resource "aws_athena_workgroup" "this" {
  name          = "${var.prefix}_streamalert"
  description   = "streamalert hunts, back-tests and ad-hoc queries"
  force_destroy = false

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location = "s3://${var.results_bucket}/results/"
      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }
}
