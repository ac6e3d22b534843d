-- sql_object_text (athena)
SELECT 'sql_object_text' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       json_format(CAST(t."user"."session" AS JSON)) AS "user.session",
       json_format(CAST(t."user" AS JSON)) AS "user"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(json_format(CAST(t."user"."session" AS JSON)), 'İ', 'i')) LIKE '%"mfa":"yes"%' ESCAPE '\', FALSE) OR
    COALESCE(lower(replace(json_format(CAST(t."user" AS JSON)), 'İ', 'i')) LIKE '%"id":null%' ESCAPE '\', FALSE))
