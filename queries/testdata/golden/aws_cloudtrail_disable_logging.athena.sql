-- aws_cloudtrail_disable_logging (athena)
SELECT 'aws_cloudtrail_disable_logging' AS "rule", 'cloudtrail:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."eventsource" AS "eventSource",
       t."eventname" AS "eventName"
FROM "cloudtrail_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(t."eventsource", 'İ', 'i')) = 'cloudtrail.amazonaws.com', FALSE) AND
    COALESCE(lower(replace(t."eventname", 'İ', 'i')) IN ('stoplogging', 'updatetrail', 'deletetrail'), FALSE))
