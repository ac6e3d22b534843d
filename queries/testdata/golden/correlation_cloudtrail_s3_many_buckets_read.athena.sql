WITH ev AS (
  SELECT t."useridentity"."arn" AS g0, NULLIF(array_join(transform(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."requestparameters"], v1 -> TRY(json_parse(v1))), v2 -> COALESCE(flatten(transform(TRY_CAST(v2 AS ARRAY(JSON)), v3 -> COALESCE(TRY_CAST(v3 AS ARRAY(JSON)), ARRAY[v3]))), ARRAY[v2]))), v4 -> json_extract(v4, '$["bucketName"]')), v5 -> v5 IS NOT NULL AND json_format(v5) <> 'null'), v6 -> COALESCE(flatten(transform(TRY_CAST(v6 AS ARRAY(JSON)), v7 -> COALESCE(TRY_CAST(v7 AS ARRAY(JSON)), ARRAY[v7]))), ARRAY[v6]))), v8 -> v8 IS NOT NULL AND json_format(v8) <> 'null'), v9 -> COALESCE(json_extract_scalar(v9, '$'), json_format(v9))), ', '), '') AS v, t."sa_event_time" AS ts, t."sa_record_id" AS id, t."dt" AS dt, 'cloudtrail:events' AS lt
  FROM "cloudtrail_events" AS t
  WHERE t."dt" >= '2024-04-30-22'
    AND t."dt" <= '2024-05-09-00'
    AND t."sa_event_time" >= TIMESTAMP '2024-04-30 23:50:00.000000'
    AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
    AND (COALESCE(lower(replace(t."eventsource", 'İ', 'i')) = 's3.amazonaws.com', FALSE) AND
      COALESCE(lower(replace(t."eventname", 'İ', 'i')) IN ('getobject', 'listobjects', 'listobjectsv2'), FALSE) AND
      NOT COALESCE(lower(replace(t."errorcode", 'İ', 'i')) LIKE '%' ESCAPE '\', FALSE))
),
e AS (SELECT DISTINCT g0, v, ts, id, dt, lt FROM ev WHERE g0 IS NOT NULL AND v IS NOT NULL),
w AS (SELECT a.g0, a.ts, a.id, a.dt, count(*) AS n, count(DISTINCT b.v) AS d, count(DISTINCT CASE WHEN b.id <> a.id THEN b.v END) AS d0
  FROM e AS a JOIN e AS b ON b.g0 = a.g0
    AND b.ts >= a.ts - INTERVAL '600' SECOND AND (b.ts < a.ts OR (b.ts = a.ts AND b.id <= a.id))
  GROUP BY a.g0, a.ts, a.id, a.dt)
SELECT 'cloudtrail_s3_many_buckets_read' AS "rule", 'cloudtrail:events' AS "log_type", x.id AS "sa_record_id", x.ts AS "sa_event_time", x.dt AS "dt",
       x.g0 AS "userIdentity.arn"
FROM w AS x
WHERE x.ts >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND ((x.d) >= 40)
  AND NOT COALESCE(((x.d0) >= 40), FALSE)
