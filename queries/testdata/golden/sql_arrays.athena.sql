-- sql_arrays (athena)
SELECT 'sql_arrays' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       NULLIF(array_join(t."tags", ', '), '') AS "tags",
       NULLIF(array_join(transform(t."ports", v6 -> CAST(v6 AS VARCHAR)), ', '), '') AS "ports",
       NULLIF(array_join(flatten(t."grid"), ', '), '') AS "grid",
       NULLIF(array_join(t."user"."roles", ', '), '') AS "user.roles"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(any_match(t."tags", v1 -> COALESCE(lower(replace(v1, 'İ', 'i')) LIKE '%-prod' ESCAPE '\', FALSE)), FALSE) OR
    COALESCE(any_match(t."ports", v2 -> COALESCE((v2 = 22 OR v2 = 3389), FALSE)), FALSE) OR
    COALESCE(any_match(flatten(t."grid"), v3 -> COALESCE(lower(replace(v3, 'İ', 'i')) = 'deep', FALSE)), FALSE) OR
    COALESCE(any_match(t."user"."roles", v4 -> COALESCE(lower(replace(v4, 'İ', 'i')) LIKE '%admin%' ESCAPE '\', FALSE)), FALSE))
