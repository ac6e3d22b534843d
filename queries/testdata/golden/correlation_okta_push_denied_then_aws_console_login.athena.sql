WITH ev AS (
  SELECT t."actor"."alternateid" AS g0, 0 AS rk, t."sa_event_time" AS ts, t."sa_record_id" AS id, t."dt" AS dt, 'okta:system' AS lt
  FROM "okta_system" AS t
  WHERE t."dt" >= '2024-04-30-22'
    AND t."dt" <= '2024-05-09-00'
    AND t."sa_event_time" >= TIMESTAMP '2024-04-30 23:00:00.000000'
    AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
    AND COALESCE(lower(replace(t."eventtype", 'İ', 'i')) = 'user.mfa.okta_verify.deny_push', FALSE)
  UNION ALL
  SELECT t."useridentity"."username" AS g0, 1 AS rk, t."sa_event_time" AS ts, t."sa_record_id" AS id, t."dt" AS dt, 'cloudtrail:events' AS lt
  FROM "cloudtrail_events" AS t
  WHERE t."dt" >= '2024-04-30-22'
    AND t."dt" <= '2024-05-09-00'
    AND t."sa_event_time" >= TIMESTAMP '2024-04-30 23:00:00.000000'
    AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
    AND (COALESCE(lower(replace(t."eventname", 'İ', 'i')) = 'consolelogin', FALSE) AND
      COALESCE(any_match(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."responseelements"], v1 -> TRY(json_parse(v1))), v2 -> COALESCE(flatten(transform(TRY_CAST(v2 AS ARRAY(JSON)), v3 -> COALESCE(TRY_CAST(v3 AS ARRAY(JSON)), ARRAY[v3]))), ARRAY[v2]))), v4 -> json_extract(v4, '$["ConsoleLogin"]')), v5 -> v5 IS NOT NULL AND json_format(v5) <> 'null'), v6 -> COALESCE(flatten(transform(TRY_CAST(v6 AS ARRAY(JSON)), v7 -> COALESCE(TRY_CAST(v7 AS ARRAY(JSON)), ARRAY[v7]))), ARRAY[v6]))), v8 -> v8 IS NOT NULL AND json_format(v8) <> 'null'), v9 -> COALESCE(CASE WHEN regexp_like(json_format(v9), '^-?[0-9]') THEN FALSE ELSE lower(replace(COALESCE(json_extract_scalar(v9, '$'), json_format(v9)), 'İ', 'i')) = 'success' END, FALSE)), FALSE))
),
e AS (SELECT DISTINCT g0, rk, ts, id, dt, lt FROM ev WHERE g0 IS NOT NULL),
s0 AS (SELECT g0, rk, ts, id, dt, lt, ts AS l FROM e WHERE rk = 0),
s1 AS (SELECT x.g0, x.ts, x.id, x.dt, max(y.l) AS l
  FROM e AS x JOIN s0 AS y ON y.g0 = x.g0
    AND (y.ts < x.ts OR (y.ts = x.ts AND y.id < x.id)) AND y.ts >= x.ts - INTERVAL '3600' SECOND
  WHERE x.rk = 1
  GROUP BY x.g0, x.ts, x.id, x.dt),
hit AS (SELECT * FROM s1)
SELECT 'okta_push_denied_then_aws_console_login' AS "rule", 'cloudtrail:events,okta:system' AS "log_type", x.id AS "sa_record_id", x.ts AS "sa_event_time", x.dt AS "dt",
       x.g0 AS "user"
FROM hit AS x LEFT JOIN hit AS p ON p.g0 = x.g0
  AND (p.ts < x.ts OR (p.ts = x.ts AND p.id < x.id)) AND p.l >= x.ts - INTERVAL '3600' SECOND
WHERE x.ts >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND x.l >= x.ts - INTERVAL '3600' SECOND
  AND p.id IS NULL
