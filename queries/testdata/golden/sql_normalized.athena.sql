-- sql_normalized (athena)
SELECT 'sql_normalized' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       NULLIF(array_join(t."sa_normalized"."ip_address", ', '), '') AS "normalized.ip_address",
       NULLIF(array_join(t."sa_normalized"."username", ', '), '') AS "normalized.username",
       CAST(NULL AS VARCHAR) AS "normalized.md5"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(any_match(t."sa_normalized"."ip_address", v1 -> COALESCE(contains('10.0.0.0/8', TRY_CAST(v1 AS IPADDRESS)), FALSE)), FALSE) OR
    COALESCE(any_match(t."sa_normalized"."username", v2 -> COALESCE(lower(replace(v2, 'İ', 'i')) = 'root', FALSE)), FALSE) OR
    FALSE)
