-- sql_bool_time (athena)
SELECT 'sql_bool_time' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       CAST(t."flag" AS VARCHAR) AS "flag",
       regexp_replace(format_datetime(t."when", 'yyyy-MM-dd''T''HH:mm:ss.SSSSSS'), '\.?0+$', '') || 'Z' AS "when",
       regexp_replace(format_datetime(t."user"."session"."created", 'yyyy-MM-dd''T''HH:mm:ss.SSSSSS'), '\.?0+$', '') || 'Z' AS "user.session.created"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(CAST(t."flag" AS VARCHAR), 'İ', 'i')) = 'true', FALSE) OR
    COALESCE(lower(replace(regexp_replace(format_datetime(t."when", 'yyyy-MM-dd''T''HH:mm:ss.SSSSSS'), '\.?0+$', '') || 'Z', 'İ', 'i')) LIKE '2024-05-01t10:00:00.5%' ESCAPE '\', FALSE) OR
    COALESCE(lower(replace(regexp_replace(format_datetime(t."user"."session"."created", 'yyyy-MM-dd''T''HH:mm:ss.SSSSSS'), '\.?0+$', '') || 'Z', 'İ', 'i')) LIKE '%:00z' ESCAPE '\', FALSE))
