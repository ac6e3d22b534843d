CREATE OR REPLACE VIEW "cloudtrail_events" AS SELECT * FROM read_parquet('/var/lib/streamalert/lake/parquet/cloudtrail_events/*/*.parquet', hive_partitioning = true, union_by_name = true);
