-- sql_nested (athena)
SELECT 'sql_nested' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."user"."session"."mfa" AS "user.session.mfa",
       t."user"."name" AS "USER.Name"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(t."user"."session"."mfa", 'İ', 'i')) = 'yes', FALSE) AND
    COALESCE(lower(replace(t."user"."name", 'İ', 'i')) = 'bob', FALSE))
