-- aws_cloudtrail_imds_malicious_usage (athena)
SELECT 'aws_cloudtrail_imds_malicious_usage' AS "rule", 'cloudtrail:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."useridentity"."arn" AS "userIdentity.arn",
       t."eventsource" AS "eventSource",
       t."eventname" AS "eventName",
       t."sourceipaddress" AS "sourceIPAddress"
FROM "cloudtrail_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(regexp_like(t."useridentity"."arn", '.+:assumed-role/aws:.+'), FALSE) AND
    NOT (COALESCE(lower(replace(t."eventsource", 'İ', 'i')) = 'ssm.amazonaws.com', FALSE) OR
        COALESCE(lower(replace(t."eventname", 'İ', 'i')) = 'registermanagedinstance', FALSE) OR
        COALESCE(lower(replace(t."sourceipaddress", 'İ', 'i')) = 'aws internal', FALSE)))
