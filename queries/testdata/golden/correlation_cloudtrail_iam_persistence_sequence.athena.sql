WITH ev AS (
  SELECT t."useridentity"."arn" AS g0, 0 AS rk, t."sa_event_time" AS ts, t."sa_record_id" AS id, t."dt" AS dt, 'cloudtrail:events' AS lt
  FROM "cloudtrail_events" AS t
  WHERE t."dt" >= '2024-04-30-22'
    AND t."dt" <= '2024-05-09-00'
    AND t."sa_event_time" >= TIMESTAMP '2024-04-30 23:00:00.000000'
    AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
    AND (COALESCE(lower(replace(t."eventsource", 'İ', 'i')) = 'iam.amazonaws.com', FALSE) AND
      COALESCE(lower(replace(t."eventname", 'İ', 'i')) = 'createuser', FALSE) AND
      NOT COALESCE(lower(replace(t."errorcode", 'İ', 'i')) LIKE '%' ESCAPE '\', FALSE))
  UNION ALL
  SELECT t."useridentity"."arn" AS g0, 1 AS rk, t."sa_event_time" AS ts, t."sa_record_id" AS id, t."dt" AS dt, 'cloudtrail:events' AS lt
  FROM "cloudtrail_events" AS t
  WHERE t."dt" >= '2024-04-30-22'
    AND t."dt" <= '2024-05-09-00'
    AND t."sa_event_time" >= TIMESTAMP '2024-04-30 23:00:00.000000'
    AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
    AND (COALESCE(lower(replace(t."eventsource", 'İ', 'i')) = 'iam.amazonaws.com', FALSE) AND
      COALESCE(lower(replace(t."eventname", 'İ', 'i')) IN ('attachuserpolicy', 'putuserpolicy'), FALSE) AND
      NOT COALESCE(lower(replace(t."errorcode", 'İ', 'i')) LIKE '%' ESCAPE '\', FALSE))
  UNION ALL
  SELECT t."useridentity"."arn" AS g0, 2 AS rk, t."sa_event_time" AS ts, t."sa_record_id" AS id, t."dt" AS dt, 'cloudtrail:events' AS lt
  FROM "cloudtrail_events" AS t
  WHERE t."dt" >= '2024-04-30-22'
    AND t."dt" <= '2024-05-09-00'
    AND t."sa_event_time" >= TIMESTAMP '2024-04-30 23:00:00.000000'
    AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
    AND (COALESCE(lower(replace(t."eventsource", 'İ', 'i')) = 'iam.amazonaws.com', FALSE) AND
      COALESCE(lower(replace(t."eventname", 'İ', 'i')) = 'createaccesskey', FALSE) AND
      NOT COALESCE(lower(replace(t."errorcode", 'İ', 'i')) LIKE '%' ESCAPE '\', FALSE))
),
e AS (SELECT DISTINCT g0, rk, ts, id, dt, lt FROM ev WHERE g0 IS NOT NULL),
s0 AS (SELECT g0, rk, ts, id, dt, lt, ts AS l FROM e WHERE rk = 0),
s1 AS (SELECT x.g0, x.ts, x.id, x.dt, max(y.l) AS l
  FROM e AS x JOIN s0 AS y ON y.g0 = x.g0
    AND (y.ts < x.ts OR (y.ts = x.ts AND y.id < x.id)) AND y.ts >= x.ts - INTERVAL '3600' SECOND
  WHERE x.rk = 1
  GROUP BY x.g0, x.ts, x.id, x.dt),
s2 AS (SELECT x.g0, x.ts, x.id, x.dt, max(y.l) AS l
  FROM e AS x JOIN s1 AS y ON y.g0 = x.g0
    AND (y.ts < x.ts OR (y.ts = x.ts AND y.id < x.id)) AND y.ts >= x.ts - INTERVAL '3600' SECOND
  WHERE x.rk = 2
  GROUP BY x.g0, x.ts, x.id, x.dt),
hit AS (SELECT * FROM s2)
SELECT 'cloudtrail_iam_persistence_sequence' AS "rule", 'cloudtrail:events' AS "log_type", x.id AS "sa_record_id", x.ts AS "sa_event_time", x.dt AS "dt",
       x.g0 AS "userIdentity.arn"
FROM hit AS x LEFT JOIN hit AS p ON p.g0 = x.g0
  AND (p.ts < x.ts OR (p.ts = x.ts AND p.id < x.id)) AND p.l >= x.ts - INTERVAL '3600' SECOND
WHERE x.ts >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND x.l >= x.ts - INTERVAL '3600' SECOND
  AND p.id IS NULL
