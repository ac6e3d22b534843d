-- sql_fieldref (athena)
SELECT 'sql_fieldref' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."user"."name" AS "user.name",
       t."name" AS "name",
       t."cmd" AS "cmd",
       t."other" AS "other",
       t."path" AS "Path",
       NULLIF(array_join(t."tags", ', '), '') AS "tags",
       NULLIF(array_join(t."user"."roles", ', '), '') AS "user.roles"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(t."user"."name", 'İ', 'i')) = lower(replace(t."name", 'İ', 'i')), FALSE) OR
    COALESCE(strpos(lower(replace(t."cmd", 'İ', 'i')), lower(replace(t."other", 'İ', 'i'))) > 0, FALSE) OR
    COALESCE((length(t."path") >= length(t."name") AND substr(t."path", length(t."path") - length(t."name") + 1) = t."name"), FALSE) OR
    COALESCE(any_match(t."tags", v1 -> COALESCE(any_match(t."user"."roles", v2 -> COALESCE(lower(replace(v1, 'İ', 'i')) = lower(replace(v2, 'İ', 'i')), FALSE)), FALSE)), FALSE))
