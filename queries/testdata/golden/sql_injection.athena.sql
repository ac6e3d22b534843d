-- sql_injection (athena)
SELECT 'sql_injection' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."name" AS "name",
       t."cmd" AS "cmd"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(t."name", 'İ', 'i')) IN ('x'' or ''1''=''1', 'a\b', ('semi' || chr(59) || ' drop table t' || chr(59) || ' --'), '"double"', ('tab' || chr(9) || 'here')), FALSE) OR
    COALESCE(t."cmd" LIKE ('%a' || chr(0) || 'b%') ESCAPE '\', FALSE))
