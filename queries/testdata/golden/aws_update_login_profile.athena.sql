-- aws_update_login_profile (athena)
SELECT 'aws_update_login_profile' AS "rule", 'cloudtrail:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."eventsource" AS "eventSource",
       t."eventname" AS "eventName",
       t."useridentity"."arn" AS "userIdentity.arn",
       NULLIF(array_join(transform(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."requestparameters"], v11 -> TRY(json_parse(v11))), v12 -> COALESCE(flatten(transform(TRY_CAST(v12 AS ARRAY(JSON)), v13 -> COALESCE(TRY_CAST(v13 AS ARRAY(JSON)), ARRAY[v13]))), ARRAY[v12]))), v14 -> json_extract(v14, '$["userName"]')), v15 -> v15 IS NOT NULL AND json_format(v15) <> 'null'), v17 -> COALESCE(flatten(transform(TRY_CAST(v17 AS ARRAY(JSON)), v18 -> COALESCE(TRY_CAST(v18 AS ARRAY(JSON)), ARRAY[v18]))), ARRAY[v17]))), v19 -> v19 IS NOT NULL AND json_format(v19) <> 'null'), v16 -> COALESCE(json_extract_scalar(v16, '$'), json_format(v16))), ', '), '') AS "requestParameters.userName"
FROM "cloudtrail_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(t."eventsource", 'İ', 'i')) = 'iam.amazonaws.com', FALSE) AND
    COALESCE(lower(replace(t."eventname", 'İ', 'i')) = 'updateloginprofile', FALSE) AND
    NOT COALESCE(any_match(transform(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."requestparameters"], v1 -> TRY(json_parse(v1))), v2 -> COALESCE(flatten(transform(TRY_CAST(v2 AS ARRAY(JSON)), v3 -> COALESCE(TRY_CAST(v3 AS ARRAY(JSON)), ARRAY[v3]))), ARRAY[v2]))), v4 -> json_extract(v4, '$["userName"]')), v5 -> v5 IS NOT NULL AND json_format(v5) <> 'null'), v7 -> COALESCE(flatten(transform(TRY_CAST(v7 AS ARRAY(JSON)), v8 -> COALESCE(TRY_CAST(v8 AS ARRAY(JSON)), ARRAY[v8]))), ARRAY[v7]))), v9 -> v9 IS NOT NULL AND json_format(v9) <> 'null'), v6 -> COALESCE(json_extract_scalar(v6, '$'), json_format(v6))), v10 -> COALESCE(lower(replace(t."useridentity"."arn", 'İ', 'i')) = lower(replace(v10, 'İ', 'i')), FALSE)), FALSE))
