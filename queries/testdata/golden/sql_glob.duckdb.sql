-- sql_glob (duckdb)
SELECT 'sql_glob' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."name" AS "name",
       t."cmd" AS "cmd",
       t."other" AS "other"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(lower(t."name") LIKE 'a%z' ESCAPE '\', FALSE) OR
    COALESCE(lower(t."cmd") LIKE 'x_y' ESCAPE '\', FALSE) OR
    COALESCE(lower(t."other") = 'lit*eral?', FALSE))
