-- sql_like_specials (duckdb)
SELECT 'sql_like_specials' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."cmd" AS "cmd",
       t."path" AS "Path",
       t."other" AS "other"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(contains(lower(t."cmd"), '50%_off'), FALSE) OR
    COALESCE(starts_with(lower(t."path"), 'c:\users\'), FALSE) OR
    COALESCE(ends_with(lower(t."other"), 'it''s'), FALSE))
