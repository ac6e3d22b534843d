-- aws_update_login_profile (duckdb)
SELECT 'aws_update_login_profile' AS "rule", 'cloudtrail:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."eventsource" AS "eventSource",
       t."eventname" AS "eventName",
       t."useridentity"."arn" AS "userIdentity.arn",
       NULLIF(array_to_string(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."requestparameters"], lambda v9: CASE WHEN json_type(v9) = 'ARRAY' THEN flatten(list_transform(json_extract(v9, '$[*]'), lambda v10: CASE WHEN json_type(v10) = 'ARRAY' THEN json_extract(v10, '$[*]') ELSE [v10] END)) ELSE [v9] END)), lambda v11: json_extract(v11, '/userName')), lambda v12: v12 IS NOT NULL AND json_type(v12) <> 'NULL'), lambda v13: CASE WHEN json_type(v13) = 'ARRAY' THEN flatten(list_transform(json_extract(v13, '$[*]'), lambda v14: CASE WHEN json_type(v14) = 'ARRAY' THEN json_extract(v14, '$[*]') ELSE [v14] END)) ELSE [v13] END)), lambda v15: v15 IS NOT NULL AND json_type(v15) <> 'NULL'), lambda v16: CASE WHEN json_type(v16) = 'DOUBLE' THEN sa_float_text(CAST(v16 AS DOUBLE)) ELSE json_extract_string(v16, '$') END), ', '), '') AS "requestParameters.userName"
FROM "cloudtrail_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(lower(t."eventsource") = 'iam.amazonaws.com', FALSE) AND
    COALESCE(lower(t."eventname") = 'updateloginprofile', FALSE) AND
    NOT COALESCE(list_bool_or(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."requestparameters"], lambda v1: CASE WHEN json_type(v1) = 'ARRAY' THEN flatten(list_transform(json_extract(v1, '$[*]'), lambda v2: CASE WHEN json_type(v2) = 'ARRAY' THEN json_extract(v2, '$[*]') ELSE [v2] END)) ELSE [v1] END)), lambda v3: json_extract(v3, '/userName')), lambda v4: v4 IS NOT NULL AND json_type(v4) <> 'NULL'), lambda v5: CASE WHEN json_type(v5) = 'ARRAY' THEN flatten(list_transform(json_extract(v5, '$[*]'), lambda v6: CASE WHEN json_type(v6) = 'ARRAY' THEN json_extract(v6, '$[*]') ELSE [v6] END)) ELSE [v5] END)), lambda v7: v7 IS NOT NULL AND json_type(v7) <> 'NULL'), lambda v8: COALESCE(lower(t."useridentity"."arn") = lower(CASE WHEN json_type(v8) = 'DOUBLE' THEN sa_float_text(CAST(v8 AS DOUBLE)) ELSE json_extract_string(v8, '$') END), FALSE))), FALSE))
