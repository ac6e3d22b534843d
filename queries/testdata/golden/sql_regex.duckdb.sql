-- sql_regex (duckdb)
SELECT 'sql_regex' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."cmd" AS "cmd",
       t."name" AS "name",
       t."other" AS "other",
       CAST(t."count" AS VARCHAR) AS "count"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(regexp_matches(t."cmd", 'ev[i1]l\d+'), FALSE) OR
    COALESCE(regexp_matches(t."name", '(?is)^start.end$'), FALSE) OR
    COALESCE(regexp_matches(t."other", '(?m)^second$'), FALSE) OR
    COALESCE(regexp_matches(CAST(t."count" AS VARCHAR), '^4\d$'), FALSE))
