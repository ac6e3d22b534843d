-- sql_numbers_text (duckdb)
SELECT 'sql_numbers_text' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       sa_float_text(t."ratio") AS "ratio",
       CAST(t."count" AS VARCHAR) AS "count"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(starts_with(lower(sa_float_text(t."ratio")), '1e+'), FALSE) OR
    COALESCE(contains(lower(CAST(t."count" AS VARCHAR)), '00'), FALSE))
