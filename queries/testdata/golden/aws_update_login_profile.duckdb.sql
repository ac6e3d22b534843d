-- aws_update_login_profile (duckdb)
SELECT 'aws_update_login_profile' AS "rule", 'cloudtrail:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."eventsource" AS "eventSource",
       t."eventname" AS "eventName",
       t."useridentity"."arn" AS "userIdentity.arn",
       NULLIF(array_to_string(list_transform(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."requestparameters"], lambda v12: CASE WHEN json_type(v12) = 'ARRAY' THEN flatten(list_transform(json_extract(v12, '$[*]'), lambda v13: CASE WHEN json_type(v13) = 'ARRAY' THEN flatten(list_transform(json_extract(v13, '$[*]'), lambda v14: [v14])) ELSE [v13] END)) ELSE [v12] END)), lambda v15: json_extract(v15, '/userName')), lambda v16: v16 IS NOT NULL AND json_type(v16) <> 'NULL'), lambda v18: CASE WHEN json_type(v18) = 'ARRAY' THEN flatten(list_transform(json_extract(v18, '$[*]'), lambda v19: CASE WHEN json_type(v19) = 'ARRAY' THEN flatten(list_transform(json_extract(v19, '$[*]'), lambda v20: [v20])) ELSE [v19] END)) ELSE [v18] END)), lambda v21: v21 IS NOT NULL AND json_type(v21) <> 'NULL'), lambda v17: json_extract_string(v17, '$')), lambda v22: v22), ', '), '') AS "requestParameters.userName"
FROM "cloudtrail_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(lower(t."eventsource") = 'iam.amazonaws.com', FALSE) AND
    COALESCE(lower(t."eventname") = 'updateloginprofile', FALSE) AND
    NOT COALESCE(list_bool_or(list_transform(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."requestparameters"], lambda v1: CASE WHEN json_type(v1) = 'ARRAY' THEN flatten(list_transform(json_extract(v1, '$[*]'), lambda v2: CASE WHEN json_type(v2) = 'ARRAY' THEN flatten(list_transform(json_extract(v2, '$[*]'), lambda v3: [v3])) ELSE [v2] END)) ELSE [v1] END)), lambda v4: json_extract(v4, '/userName')), lambda v5: v5 IS NOT NULL AND json_type(v5) <> 'NULL'), lambda v7: CASE WHEN json_type(v7) = 'ARRAY' THEN flatten(list_transform(json_extract(v7, '$[*]'), lambda v8: CASE WHEN json_type(v8) = 'ARRAY' THEN flatten(list_transform(json_extract(v8, '$[*]'), lambda v9: [v9])) ELSE [v8] END)) ELSE [v7] END)), lambda v10: v10 IS NOT NULL AND json_type(v10) <> 'NULL'), lambda v6: json_extract_string(v6, '$')), lambda v11: COALESCE(lower(t."useridentity"."arn") = lower(v11), FALSE))), FALSE))
