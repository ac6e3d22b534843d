WITH ev AS (
  SELECT t."actor"."alternateid" AS g0, 0 AS rk, t."sa_event_time" AS ts, t."sa_record_id" AS id, t."dt" AS dt, 'okta:system' AS lt
  FROM "okta_system" AS t
  WHERE t."dt" >= '2024-04-30-22'
    AND t."dt" <= '2024-05-09-00'
    AND t."sa_event_time" >= TIMESTAMPTZ '2024-04-30 23:00:00.000000+00'
    AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
    AND COALESCE(lower(t."eventtype") = 'user.mfa.okta_verify.deny_push', FALSE)
  UNION ALL
  SELECT t."useridentity"."username" AS g0, 1 AS rk, t."sa_event_time" AS ts, t."sa_record_id" AS id, t."dt" AS dt, 'cloudtrail:events' AS lt
  FROM "cloudtrail_events" AS t
  WHERE t."dt" >= '2024-04-30-22'
    AND t."dt" <= '2024-05-09-00'
    AND t."sa_event_time" >= TIMESTAMPTZ '2024-04-30 23:00:00.000000+00'
    AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
    AND (COALESCE(lower(t."eventname") = 'consolelogin', FALSE) AND
      COALESCE(list_bool_or(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."responseelements"], lambda v1: CASE WHEN json_type(v1) = 'ARRAY' THEN flatten(list_transform(json_extract(v1, '$[*]'), lambda v2: CASE WHEN json_type(v2) = 'ARRAY' THEN json_extract(v2, '$[*]') ELSE [v2] END)) ELSE [v1] END)), lambda v3: json_extract(v3, '/ConsoleLogin')), lambda v4: v4 IS NOT NULL AND json_type(v4) <> 'NULL'), lambda v5: CASE WHEN json_type(v5) = 'ARRAY' THEN flatten(list_transform(json_extract(v5, '$[*]'), lambda v6: CASE WHEN json_type(v6) = 'ARRAY' THEN json_extract(v6, '$[*]') ELSE [v6] END)) ELSE [v5] END)), lambda v7: v7 IS NOT NULL AND json_type(v7) <> 'NULL'), lambda v8: COALESCE(CASE WHEN json_type(v8) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN FALSE ELSE lower(CASE WHEN json_type(v8) = 'DOUBLE' THEN sa_float_text(CAST(v8 AS DOUBLE)) ELSE json_extract_string(v8, '$') END) = 'success' END, FALSE))), FALSE))
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
WHERE x.ts >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND x.l >= x.ts - INTERVAL '3600' SECOND
  AND p.id IS NULL
