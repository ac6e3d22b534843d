-- aws_cloudtrail_imds_malicious_usage (duckdb)
SELECT 'aws_cloudtrail_imds_malicious_usage' AS "rule", 'cloudtrail:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."useridentity"."arn" AS "userIdentity.arn",
       t."eventsource" AS "eventSource",
       t."eventname" AS "eventName",
       t."sourceipaddress" AS "sourceIPAddress"
FROM "cloudtrail_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(regexp_matches(t."useridentity"."arn", '.+:assumed-role/aws:.+'), FALSE) AND
    NOT (COALESCE(lower(t."eventsource") = 'ssm.amazonaws.com', FALSE) OR
        COALESCE(lower(t."eventname") = 'registermanagedinstance', FALSE) OR
        COALESCE(lower(t."sourceipaddress") = 'aws internal', FALSE)))
