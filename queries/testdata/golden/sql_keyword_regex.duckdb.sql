-- sql_keyword_regex (duckdb)
SELECT 'sql_keyword_regex' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND COALESCE(regexp_matches(concat_ws(chr(10), t."name", t."path", t."cmd", t."other", t."ip", CASE WHEN COALESCE(len(list_filter(t."tags", lambda v1: v1 IS NOT NULL)), 0) = 0 THEN NULL ELSE array_to_string(t."tags", chr(10)) END, CASE WHEN COALESCE(len(list_filter(flatten(t."grid"), lambda v2: v2 IS NOT NULL)), 0) = 0 THEN NULL ELSE array_to_string(flatten(t."grid"), chr(10)) END, t."user"."name", CASE WHEN COALESCE(len(list_filter(t."user"."roles", lambda v3: v3 IS NOT NULL)), 0) = 0 THEN NULL ELSE array_to_string(t."user"."roles", chr(10)) END, t."user"."conf", t."user"."session"."mfa", t."params", CASE WHEN COALESCE(len(list_filter(t."items", lambda v4: v4 IS NOT NULL)), 0) = 0 THEN NULL ELSE array_to_string(t."items", chr(10)) END, t."sa_extras"), '^alpha$'), FALSE)
