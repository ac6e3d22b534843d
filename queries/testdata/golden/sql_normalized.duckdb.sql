-- sql_normalized (duckdb)
SELECT 'sql_normalized' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       NULLIF(array_to_string(t."sa_normalized"."ip_address", ', '), '') AS "normalized.ip_address",
       NULLIF(array_to_string(t."sa_normalized"."username", ', '), '') AS "normalized.username",
       CAST(NULL AS VARCHAR) AS "normalized.md5"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(list_bool_or(list_transform(t."sa_normalized"."ip_address", lambda v1: COALESCE(sa_cidr_match(v1, '10.0.0.0/8'), FALSE))), FALSE) OR
    COALESCE(list_bool_or(list_transform(t."sa_normalized"."username", lambda v2: COALESCE(lower(v2) = 'root', FALSE))), FALSE) OR
    FALSE)
