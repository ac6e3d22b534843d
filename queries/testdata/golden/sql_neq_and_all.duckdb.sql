-- sql_neq_and_all (duckdb)
SELECT 'sql_neq_and_all' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."name" AS "name",
       t."cmd" AS "cmd"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (NOT COALESCE(lower(t."name") IN ('a', 'b'), FALSE) AND
    COALESCE(contains(lower(t."cmd"), 'foo'), FALSE) AND
    COALESCE(contains(lower(t."cmd"), 'bar'), FALSE))
