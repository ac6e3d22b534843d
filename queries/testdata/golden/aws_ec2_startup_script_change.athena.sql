-- aws_ec2_startup_script_change (athena)
SELECT 'aws_ec2_startup_script_change' AS "rule", 'cloudtrail:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."eventsource" AS "eventSource",
       NULLIF(array_join(transform(transform(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."requestparameters"], v13 -> TRY(json_parse(v13))), v14 -> COALESCE(flatten(transform(TRY_CAST(v14 AS ARRAY(JSON)), v15 -> COALESCE(flatten(transform(TRY_CAST(v15 AS ARRAY(JSON)), v16 -> ARRAY[v16])), ARRAY[v15]))), ARRAY[v14]))), v17 -> json_extract(v17, '$["attribute"]')), v18 -> v18 IS NOT NULL AND json_format(v18) <> 'null'), v20 -> COALESCE(flatten(transform(TRY_CAST(v20 AS ARRAY(JSON)), v21 -> COALESCE(flatten(transform(TRY_CAST(v21 AS ARRAY(JSON)), v22 -> ARRAY[v22])), ARRAY[v21]))), ARRAY[v20]))), v23 -> v23 IS NOT NULL AND json_format(v23) <> 'null'), v19 -> COALESCE(json_extract_scalar(v19, '$'), json_format(v19))), v24 -> v24), ', '), '') AS "requestParameters.attribute",
       t."eventname" AS "eventName"
FROM "cloudtrail_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(t."eventsource", 'İ', 'i')) = 'ec2.amazonaws.com', FALSE) AND
    COALESCE(any_match(transform(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."requestparameters"], v1 -> TRY(json_parse(v1))), v2 -> COALESCE(flatten(transform(TRY_CAST(v2 AS ARRAY(JSON)), v3 -> COALESCE(flatten(transform(TRY_CAST(v3 AS ARRAY(JSON)), v4 -> ARRAY[v4])), ARRAY[v3]))), ARRAY[v2]))), v5 -> json_extract(v5, '$["attribute"]')), v6 -> v6 IS NOT NULL AND json_format(v6) <> 'null'), v8 -> COALESCE(flatten(transform(TRY_CAST(v8 AS ARRAY(JSON)), v9 -> COALESCE(flatten(transform(TRY_CAST(v9 AS ARRAY(JSON)), v10 -> ARRAY[v10])), ARRAY[v9]))), ARRAY[v8]))), v11 -> v11 IS NOT NULL AND json_format(v11) <> 'null'), v7 -> COALESCE(json_extract_scalar(v7, '$'), json_format(v7))), v12 -> COALESCE(lower(replace(v12, 'İ', 'i')) = 'userdata', FALSE)), FALSE) AND
    COALESCE(lower(replace(t."eventname", 'İ', 'i')) = 'modifyinstanceattribute', FALSE))
