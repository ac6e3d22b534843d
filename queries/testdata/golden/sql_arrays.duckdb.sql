-- sql_arrays (duckdb)
SELECT 'sql_arrays' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       NULLIF(array_to_string(t."tags", ', '), '') AS "tags",
       NULLIF(array_to_string(list_transform(t."ports", lambda v6: CAST(v6 AS VARCHAR)), ', '), '') AS "ports",
       NULLIF(array_to_string(flatten(t."grid"), ', '), '') AS "grid",
       NULLIF(array_to_string(t."user"."roles", ', '), '') AS "user.roles"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(list_bool_or(list_transform(t."tags", lambda v1: COALESCE(ends_with(lower(v1), '-prod'), FALSE))), FALSE) OR
    COALESCE(list_bool_or(list_transform(t."ports", lambda v2: COALESCE((v2 = 22 OR v2 = 3389), FALSE))), FALSE) OR
    COALESCE(list_bool_or(list_transform(flatten(t."grid"), lambda v3: COALESCE(lower(v3) = 'deep', FALSE))), FALSE) OR
    COALESCE(list_bool_or(list_transform(t."user"."roles", lambda v4: COALESCE(contains(lower(v4), 'admin'), FALSE))), FALSE))
