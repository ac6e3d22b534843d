-- sql_fieldref (duckdb)
SELECT 'sql_fieldref' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."user"."name" AS "user.name",
       t."name" AS "name",
       t."cmd" AS "cmd",
       t."other" AS "other",
       t."path" AS "Path",
       NULLIF(array_to_string(t."tags", ', '), '') AS "tags",
       NULLIF(array_to_string(t."user"."roles", ', '), '') AS "user.roles"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(lower(t."user"."name") = lower(t."name"), FALSE) OR
    COALESCE(contains(lower(t."cmd"), lower(t."other")), FALSE) OR
    COALESCE(ends_with(t."path", t."name"), FALSE) OR
    COALESCE(list_bool_or(list_transform(t."tags", lambda v1: COALESCE(list_bool_or(list_transform(t."user"."roles", lambda v2: COALESCE(lower(v1) = lower(v2), FALSE))), FALSE))), FALSE))
