-- sql_bool_time (duckdb)
SELECT 'sql_bool_time' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       CAST(t."flag" AS VARCHAR) AS "flag",
       regexp_replace(strftime(t."when" AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f'), '\.?0+$', '') || 'Z' AS "when",
       regexp_replace(strftime(t."user"."session"."created" AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f'), '\.?0+$', '') || 'Z' AS "user.session.created"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(lower(CAST(t."flag" AS VARCHAR)) = 'true', FALSE) OR
    COALESCE(starts_with(lower(regexp_replace(strftime(t."when" AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f'), '\.?0+$', '') || 'Z'), '2024-05-01t10:00:00.5'), FALSE) OR
    COALESCE(ends_with(lower(regexp_replace(strftime(t."user"."session"."created" AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f'), '\.?0+$', '') || 'Z'), ':00z'), FALSE))
