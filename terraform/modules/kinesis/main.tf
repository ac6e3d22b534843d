# Kinesis streams that sources.yaml names (and deploy.yaml does not mark
# create: false), encrypted with the deployment's key.

resource "aws_kinesis_stream" "this" {
  for_each         = var.streams
  name             = each.key
  shard_count      = each.value.shards > 0 ? each.value.shards : null
  retention_period = each.value.retention_hours
  encryption_type  = "KMS"
  kms_key_id       = var.kms_key_arn

  stream_mode_details {
    stream_mode = each.value.shards > 0 ? "PROVISIONED" : "ON_DEMAND"
  }
}
