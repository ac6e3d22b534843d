WITH ev AS (
  SELECT t."useridentity"."arn" AS g0, NULLIF(array_to_string(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."requestparameters"], lambda v1: CASE WHEN json_type(v1) = 'ARRAY' THEN flatten(list_transform(json_extract(v1, '$[*]'), lambda v2: CASE WHEN json_type(v2) = 'ARRAY' THEN json_extract(v2, '$[*]') ELSE [v2] END)) ELSE [v1] END)), lambda v3: json_extract(v3, '/bucketName')), lambda v4: v4 IS NOT NULL AND json_type(v4) <> 'NULL'), lambda v5: CASE WHEN json_type(v5) = 'ARRAY' THEN flatten(list_transform(json_extract(v5, '$[*]'), lambda v6: CASE WHEN json_type(v6) = 'ARRAY' THEN json_extract(v6, '$[*]') ELSE [v6] END)) ELSE [v5] END)), lambda v7: v7 IS NOT NULL AND json_type(v7) <> 'NULL'), lambda v8: CASE WHEN json_type(v8) = 'DOUBLE' THEN sa_float_text(CAST(v8 AS DOUBLE)) ELSE json_extract_string(v8, '$') END), ', '), '') AS v, t."sa_event_time" AS ts, t."sa_record_id" AS id, t."dt" AS dt, 'cloudtrail:events' AS lt
  FROM "cloudtrail_events" AS t
  WHERE t."dt" >= '2024-04-30-22'
    AND t."dt" <= '2024-05-09-00'
    AND t."sa_event_time" >= TIMESTAMPTZ '2024-04-30 23:50:00.000000+00'
    AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
    AND (COALESCE(lower(t."eventsource") = 's3.amazonaws.com', FALSE) AND
      COALESCE(lower(t."eventname") IN ('getobject', 'listobjects', 'listobjectsv2'), FALSE) AND
      NOT COALESCE(lower(t."errorcode") LIKE '%' ESCAPE '\', FALSE))
),
e AS (SELECT DISTINCT g0, v, ts, id, dt, lt FROM ev WHERE g0 IS NOT NULL AND v IS NOT NULL),
w AS (SELECT a.g0, a.ts, a.id, a.dt, count(*) AS n, count(DISTINCT b.v) AS d, count(DISTINCT CASE WHEN b.id <> a.id THEN b.v END) AS d0
  FROM e AS a JOIN e AS b ON b.g0 = a.g0
    AND b.ts >= a.ts - INTERVAL '600' SECOND AND (b.ts < a.ts OR (b.ts = a.ts AND b.id <= a.id))
  GROUP BY a.g0, a.ts, a.id, a.dt)
SELECT 'cloudtrail_s3_many_buckets_read' AS "rule", 'cloudtrail:events' AS "log_type", x.id AS "sa_record_id", x.ts AS "sa_event_time", x.dt AS "dt",
       x.g0 AS "userIdentity.arn"
FROM w AS x
WHERE x.ts >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND ((x.d) >= 40)
  AND NOT COALESCE(((x.d0) >= 40), FALSE)
