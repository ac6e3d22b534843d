-- sql_cidr (athena)
SELECT 'sql_cidr' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."ip" AS "ip",
       t."cmd" AS "cmd"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE((contains('10.0.0.0/8', TRY_CAST(t."ip" AS IPADDRESS)) OR contains('192.168.0.0/16', TRY_CAST(t."ip" AS IPADDRESS))), FALSE) OR
    COALESCE(contains('2001:db8::/32', TRY_CAST(t."ip" AS IPADDRESS)), FALSE) OR
    COALESCE(contains('172.16.0.0/12', TRY_CAST(t."cmd" AS IPADDRESS)), FALSE))
