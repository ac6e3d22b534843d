-- sql_empty_and_null (athena)
SELECT 'sql_empty_and_null' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."name" AS "name",
       t."cmd" AS "cmd",
       t."other" AS "other"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(t."name", 'İ', 'i')) = '', FALSE) OR
    (NOT (t."cmd" IS NOT NULL) AND
      COALESCE(lower(replace(t."other", 'İ', 'i')) = 'x', FALSE)))
