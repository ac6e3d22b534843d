WITH ev AS (
  SELECT t."srcaddr" AS g0, TRY_CAST(CAST(t."bytes" AS VARCHAR) AS DOUBLE) AS v, t."sa_event_time" AS ts, t."sa_record_id" AS id, t."dt" AS dt, 'aws:vpc_flow' AS lt
  FROM "aws_vpc_flow" AS t
  WHERE t."dt" >= '2024-04-30-22'
    AND t."dt" <= '2024-05-09-00'
    AND t."sa_event_time" >= TIMESTAMP '2024-04-30 23:00:00.000000'
    AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
    AND (COALESCE(lower(replace(t."action", 'İ', 'i')) = 'accept', FALSE) AND
      NOT COALESCE((contains('10.0.0.0/8', TRY_CAST(t."dstaddr" AS IPADDRESS)) OR contains('172.16.0.0/12', TRY_CAST(t."dstaddr" AS IPADDRESS)) OR contains('192.168.0.0/16', TRY_CAST(t."dstaddr" AS IPADDRESS)) OR contains('127.0.0.0/8', TRY_CAST(t."dstaddr" AS IPADDRESS)) OR contains('169.254.0.0/16', TRY_CAST(t."dstaddr" AS IPADDRESS)) OR contains('fc00::/7', TRY_CAST(t."dstaddr" AS IPADDRESS)) OR contains('fe80::/10', TRY_CAST(t."dstaddr" AS IPADDRESS))), FALSE))
),
e AS (SELECT DISTINCT g0, v, ts, id, dt, lt FROM ev WHERE g0 IS NOT NULL AND v IS NOT NULL),
w AS (SELECT a.g0, a.ts, a.id, a.dt, count(*) AS n, sum(b.v) AS s, max(a.v) AS own
  FROM e AS a JOIN e AS b ON b.g0 = a.g0
    AND b.ts >= a.ts - INTERVAL '3600' SECOND AND (b.ts < a.ts OR (b.ts = a.ts AND b.id <= a.id))
  GROUP BY a.g0, a.ts, a.id, a.dt)
SELECT 'vpc_flow_large_egress' AS "rule", 'aws:vpc_flow' AS "log_type", x.id AS "sa_record_id", x.ts AS "sa_event_time", x.dt AS "dt",
       x.g0 AS "srcaddr"
FROM w AS x
WHERE x.ts >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND ((x.s) > 1e+09)
  AND NOT COALESCE(((CASE WHEN x.n > 1 THEN x.s - x.own END) > 1e+09), FALSE)
