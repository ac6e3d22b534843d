# The aws deployment of streamalert, driven by terraform.tfvars.json from
# `streamalert deploy generate`: nothing here repeats what the config says.

data "aws_caller_identity" "current" {}

locals {
  account_id     = data.aws_caller_identity.current.account_id
  name           = "${var.prefix}_streamalert"
  config_key     = "config/streamalert.tar.gz"
  config_md5     = filemd5(var.config_archive)
  alerts_table   = "${var.prefix}_streamalert_alerts"
  created_stream = { for k, s in var.kinesis_sources : s.stream => { shards = s.shards, retention_hours = s.retention_hours } if s.create }
  # The EMF namespace of the functions' metric lines (metrics.Namespace).
  metric_namespace = "StreamAlert"
}

module "secrets" {
  source          = "./modules/secrets"
  prefix          = var.prefix
  account_id      = local.account_id
  region          = var.region
  ssm_prefix      = var.secrets_ssm_prefix
  parameter_names = var.output_secret_parameters
}

module "lake" {
  source             = "./modules/lake"
  prefix             = var.prefix
  data_bucket        = var.lake_bucket
  kms_key_arn        = module.secrets.key_arn
  transition_ia_days = var.lake_transition_ia_days
  expire_days        = var.lake_expire_days
  log_retention_days = var.log_retention_days
}

# The config the functions load at cold start (STREAMALERT_CONFIG_S3).
resource "aws_s3_object" "config" {
  bucket                 = module.lake.data_bucket
  key                    = local.config_key
  source                 = var.config_archive
  source_hash            = local.config_md5
  server_side_encryption = "aws:kms"
  kms_key_id             = module.secrets.key_arn
}

module "glue" {
  source      = "./modules/glue"
  database    = var.glue_database
  tables      = var.tables
  data_bucket = module.lake.data_bucket
}

module "athena" {
  source               = "./modules/athena"
  prefix               = var.prefix
  results_bucket       = module.lake.results_bucket
  kms_key_arn          = module.secrets.key_arn
  bytes_scanned_cutoff = var.athena_bytes_scanned_cutoff
}

module "firehose" {
  source     = "./modules/firehose"
  prefix     = var.prefix
  region     = var.region
  account_id = local.account_id
  # Each stream needs its Glue table first: keyed by the tables made.
  tables                  = { for t, _ in module.glue.table_arns : t => { firehose_prefix = var.tables[t].firehose_prefix } }
  database                = module.glue.database
  data_bucket_arn         = module.lake.data_bucket_arn
  lake_prefix             = var.lake_prefix
  lake_root               = var.lake_root
  kms_key_arn             = module.secrets.key_arn
  buffer_size_mib         = var.firehose_buffer.size_mib
  buffer_interval_seconds = var.firehose_buffer.interval_seconds
  log_retention_days      = var.log_retention_days
}

module "kinesis" {
  source      = "./modules/kinesis"
  streams     = local.created_stream
  kms_key_arn = module.secrets.key_arn
}

module "classifier" {
  source               = "./modules/lambda"
  name                 = "${local.name}_classifier"
  description          = "streamalert classifier: sources → log types → lake and rules → alerts"
  zip                  = var.lambda_zips["classifier"]
  architecture         = var.architecture
  memory_mb            = var.functions["classifier"].memory_mb
  timeout_seconds      = var.functions["classifier"].timeout_seconds
  reserved_concurrency = -1
  kms_key_arn          = module.secrets.key_arn
  log_retention_days   = var.log_retention_days
  policy_json          = data.aws_iam_policy_document.classifier.json
  environment = {
    STREAMALERT_CONFIG_S3    = "s3://${module.lake.data_bucket}/${local.config_key}"
    STREAMALERT_ALERTS_TABLE = local.alerts_table
    STREAMALERT_PREFIX       = var.prefix
    # The functions read the config at cold start; a new archive changes
    # this, which publishes a new version and so starts fresh instances.
    STREAMALERT_CONFIG_MD5 = local.config_md5
  }
}

module "alerts_function" {
  source          = "./modules/lambda"
  name            = "${local.name}_alerts"
  description     = "streamalert alerts: merge, stage, dispatch to outputs"
  zip             = var.lambda_zips["alerts"]
  architecture    = var.architecture
  memory_mb       = var.functions["alerts"].memory_mb
  timeout_seconds = var.functions["alerts"].timeout_seconds
  # Two dispatchers over one table could both send an alert before either
  # records it (docs/aws.md).
  reserved_concurrency = 1
  kms_key_arn          = module.secrets.key_arn
  log_retention_days   = var.log_retention_days
  policy_json          = data.aws_iam_policy_document.alerts.json
  environment = {
    STREAMALERT_CONFIG_S3          = "s3://${module.lake.data_bucket}/${local.config_key}"
    STREAMALERT_ALERTS_TABLE       = local.alerts_table
    STREAMALERT_PREFIX             = var.prefix
    STREAMALERT_SECRETS_SSM_PREFIX = module.secrets.ssm_prefix
    STREAMALERT_CONFIG_MD5         = local.config_md5
  }
}

# The hunts function: EventBridge Scheduler invokes it with a hunt's name;
# it runs the hunt's due windows on Athena and records them in the alert
# table (items hunt#<name>), so retries neither skip nor repeat a window.
module "hunts_function" {
  source               = "./modules/lambda"
  name                 = "${local.name}_hunts"
  description          = "streamalert hunts: scheduled SQL on Athena → alerts or records fed to the rules"
  zip                  = var.lambda_zips["hunts"]
  architecture         = var.architecture
  memory_mb            = var.functions["hunts"].memory_mb
  timeout_seconds      = var.functions["hunts"].timeout_seconds
  reserved_concurrency = -1 # overlapping invocations are refused per hunt by the run store
  kms_key_arn          = module.secrets.key_arn
  log_retention_days   = var.log_retention_days
  policy_json          = data.aws_iam_policy_document.hunts.json
  environment = merge({
    STREAMALERT_CONFIG_S3        = "s3://${module.lake.data_bucket}/${local.config_key}"
    STREAMALERT_ALERTS_TABLE     = local.alerts_table
    STREAMALERT_PREFIX           = var.prefix
    STREAMALERT_ATHENA_WORKGROUP = local.hunts_workgroup
    STREAMALERT_ATHENA_DATABASE  = module.glue.database
    STREAMALERT_CONFIG_MD5       = local.config_md5
    }, var.hunts_athena.output_location == "" ? {} : {
    STREAMALERT_ATHENA_OUTPUT_LOCATION = var.hunts_athena.output_location
  })
}

module "alerts" {
  source              = "./modules/alerts"
  table_name          = local.alerts_table
  kms_key_arn         = module.secrets.key_arn
  alerts_function_arn = module.alerts_function.alias_arn
  alerts_role_name    = module.alerts_function.role_name
  dlq_arn             = module.alerts_function.dlq_arn
}

module "classifier_triggers" {
  source                   = "./modules/classifier_triggers"
  prefix                   = var.prefix
  region                   = var.region
  account_id               = local.account_id
  function_name            = module.classifier.function_name
  alias_name               = module.classifier.alias_name
  alias_arn                = module.classifier.alias_arn
  role_name                = module.classifier.role_name
  function_timeout_seconds = var.functions["classifier"].timeout_seconds
  dlq_arn                  = module.classifier.dlq_arn
  kms_key_arn              = module.secrets.key_arn
  log_retention_days       = var.log_retention_days
  kinesis_sources = {
    for k, s in var.kinesis_sources : k => {
      stream               = s.stream
      stream_arn           = s.create ? module.kinesis.stream_arns[s.stream] : "arn:aws:kinesis:${var.region}:${local.account_id}:stream/${s.stream}"
      batch_size           = s.batch_size
      batch_window_seconds = s.batch_window_seconds
    }
  }
  sqs_sources  = var.sqs_sources
  s3_sources   = var.s3_sources
  sns_sources  = var.sns_sources
  http_sources = var.http_sources
}

module "schedules" {
  source              = "./modules/schedules"
  prefix              = var.prefix
  kms_key_arn         = module.secrets.key_arn
  dispatch_schedule   = var.dispatch_schedule
  alerts_function_arn = module.alerts_function.alias_arn
  hunts               = var.hunts
  hunts_function_arn  = module.hunts_function.alias_arn
}

module "monitoring" {
  source      = "./modules/monitoring"
  prefix      = var.prefix
  kms_key_arn = module.secrets.key_arn
  alarm_email = var.alarm_email
  functions = {
    classifier = module.classifier.function_name
    alerts     = module.alerts_function.function_name
    hunts      = module.hunts_function.function_name
  }
  kinesis_streams  = toset([for s in var.kinesis_sources : s.stream])
  delivery_streams = module.firehose.stream_names
  dead_letter_queues = merge(
    { classifier = module.classifier.dlq_name, alerts = module.alerts_function.dlq_name, hunts = module.hunts_function.dlq_name },
    { for k, arn in module.classifier_triggers.dlq_arns : "s3 source ${k}" => element(split(":", arn), 5) },
  )
  metric_namespace           = local.metric_namespace
  unclassified_alarm_percent = var.unclassified_alarm_percent
}
