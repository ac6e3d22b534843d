-- sql_not_cidr (athena)
SELECT 'sql_not_cidr' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."other" AS "other",
       t."cmd" AS "cmd"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(t."other", 'İ', 'i')) = 'x', FALSE) AND
    NOT COALESCE(contains('10.0.0.0/8', TRY_CAST(t."cmd" AS IPADDRESS)), FALSE))
