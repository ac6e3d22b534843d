-- sql_cidr (duckdb)
SELECT 'sql_cidr' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."ip" AS "ip",
       t."cmd" AS "cmd"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(sa_cidr_match(t."ip", '10.0.0.0/8,192.168.0.0/16'), FALSE) OR
    COALESCE(sa_cidr_match(t."ip", '2001:db8::/32'), FALSE) OR
    COALESCE(sa_cidr_match(t."cmd", '172.16.0.0/12'), FALSE))
