-- aws_cloudtrail_disable_logging (duckdb)
SELECT 'aws_cloudtrail_disable_logging' AS "rule", 'cloudtrail:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."eventsource" AS "eventSource",
       t."eventname" AS "eventName"
FROM "cloudtrail_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(lower(t."eventsource") = 'cloudtrail.amazonaws.com', FALSE) AND
    COALESCE(lower(t."eventname") IN ('stoplogging', 'updatetrail', 'deletetrail'), FALSE))
