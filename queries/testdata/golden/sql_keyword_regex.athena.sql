-- sql_keyword_regex (athena)
SELECT 'sql_keyword_regex' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND COALESCE(regexp_like(concat_ws(chr(10), t."name", t."path", t."cmd", t."other", t."ip", CASE WHEN COALESCE(cardinality(filter(t."tags", v1 -> v1 IS NOT NULL)), 0) = 0 THEN NULL ELSE array_join(t."tags", chr(10)) END, CASE WHEN COALESCE(cardinality(filter(flatten(t."grid"), v2 -> v2 IS NOT NULL)), 0) = 0 THEN NULL ELSE array_join(flatten(t."grid"), chr(10)) END, t."user"."name", CASE WHEN COALESCE(cardinality(filter(t."user"."roles", v3 -> v3 IS NOT NULL)), 0) = 0 THEN NULL ELSE array_join(t."user"."roles", chr(10)) END, t."user"."conf", t."user"."session"."mfa", t."params", CASE WHEN COALESCE(cardinality(filter(t."items", v4 -> v4 IS NOT NULL)), 0) = 0 THEN NULL ELSE array_join(t."items", chr(10)) END, t."sa_extras"), '^alpha$'), FALSE)
