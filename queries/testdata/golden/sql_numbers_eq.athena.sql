-- sql_numbers_eq (athena)
SELECT 'sql_numbers_eq' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       CAST(t."count" AS VARCHAR) AS "count",
       CAST(t."ratio" AS VARCHAR) AS "ratio",
       CAST(t."small" AS VARCHAR) AS "small"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE((t."count" = 42 OR t."count" = 7), FALSE) OR
    COALESCE(CAST(t."ratio" AS DOUBLE) = CAST('0.25' AS DOUBLE), FALSE) OR
    COALESCE(lower(replace(CAST(t."small" AS VARCHAR), 'İ', 'i')) LIKE '1%' ESCAPE '\', FALSE))
