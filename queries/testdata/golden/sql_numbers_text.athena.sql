-- sql_numbers_text (athena)
SELECT 'sql_numbers_text' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       CAST(t."ratio" AS VARCHAR) AS "ratio",
       CAST(t."count" AS VARCHAR) AS "count"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(CAST(t."ratio" AS VARCHAR), 'İ', 'i')) LIKE '1e+%' ESCAPE '\', FALSE) OR
    COALESCE(lower(replace(CAST(t."count" AS VARCHAR), 'İ', 'i')) LIKE '%00%' ESCAPE '\', FALSE))
