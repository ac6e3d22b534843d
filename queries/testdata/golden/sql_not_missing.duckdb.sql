-- sql_not_missing (duckdb)
SELECT 'sql_not_missing' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."other" AS "other",
       t."cmd" AS "cmd",
       NULLIF(array_to_string(list_transform(t."tags", lambda v13: v13), ', '), '') AS "tags",
       NULLIF(array_to_string(list_transform(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."params"], lambda v14: CASE WHEN json_type(v14) = 'ARRAY' THEN flatten(list_transform(json_extract(v14, '$[*]'), lambda v15: CASE WHEN json_type(v15) = 'ARRAY' THEN flatten(list_transform(json_extract(v15, '$[*]'), lambda v16: [v16])) ELSE [v15] END)) ELSE [v14] END)), lambda v17: json_extract(v17, '/mode')), lambda v18: v18 IS NOT NULL AND json_type(v18) <> 'NULL'), lambda v20: CASE WHEN json_type(v20) = 'ARRAY' THEN flatten(list_transform(json_extract(v20, '$[*]'), lambda v21: CASE WHEN json_type(v21) = 'ARRAY' THEN flatten(list_transform(json_extract(v21, '$[*]'), lambda v22: [v22])) ELSE [v21] END)) ELSE [v20] END)), lambda v23: v23 IS NOT NULL AND json_type(v23) <> 'NULL'), lambda v19: json_extract_string(v19, '$')), lambda v24: v24), ', '), '') AS "params.mode"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(lower(t."other") = 'keep', FALSE) AND
    NOT (COALESCE(contains(lower(t."cmd"), 'skip'), FALSE) OR
        COALESCE(list_bool_or(list_transform(t."tags", lambda v1: COALESCE(lower(v1) = 'skip', FALSE))), FALSE) OR
        COALESCE(list_bool_or(list_transform(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."params"], lambda v2: CASE WHEN json_type(v2) = 'ARRAY' THEN flatten(list_transform(json_extract(v2, '$[*]'), lambda v3: CASE WHEN json_type(v3) = 'ARRAY' THEN flatten(list_transform(json_extract(v3, '$[*]'), lambda v4: [v4])) ELSE [v3] END)) ELSE [v2] END)), lambda v5: json_extract(v5, '/mode')), lambda v6: v6 IS NOT NULL AND json_type(v6) <> 'NULL'), lambda v8: CASE WHEN json_type(v8) = 'ARRAY' THEN flatten(list_transform(json_extract(v8, '$[*]'), lambda v9: CASE WHEN json_type(v9) = 'ARRAY' THEN flatten(list_transform(json_extract(v9, '$[*]'), lambda v10: [v10])) ELSE [v9] END)) ELSE [v8] END)), lambda v11: v11 IS NOT NULL AND json_type(v11) <> 'NULL'), lambda v7: json_extract_string(v7, '$')), lambda v12: COALESCE(lower(v12) = 'skip', FALSE))), FALSE)))
