-- sql_not_missing (duckdb)
SELECT 'sql_not_missing' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."other" AS "other",
       t."cmd" AS "cmd",
       NULLIF(array_to_string(t."tags", ', '), '') AS "tags",
       NULLIF(array_to_string(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."params"], lambda v12: CASE WHEN json_type(v12) = 'ARRAY' THEN flatten(list_transform(json_extract(v12, '$[*]'), lambda v13: CASE WHEN json_type(v13) = 'ARRAY' THEN json_extract(v13, '$[*]') ELSE [v13] END)) ELSE [v12] END)), lambda v14: json_extract(v14, '/mode')), lambda v15: v15 IS NOT NULL AND json_type(v15) <> 'NULL'), lambda v17: CASE WHEN json_type(v17) = 'ARRAY' THEN flatten(list_transform(json_extract(v17, '$[*]'), lambda v18: CASE WHEN json_type(v18) = 'ARRAY' THEN json_extract(v18, '$[*]') ELSE [v18] END)) ELSE [v17] END)), lambda v19: v19 IS NOT NULL AND json_type(v19) <> 'NULL'), lambda v16: json_extract_string(v16, '$')), ', '), '') AS "params.mode"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(lower(t."other") = 'keep', FALSE) AND
    NOT (COALESCE(contains(lower(t."cmd"), 'skip'), FALSE) OR
        COALESCE(list_bool_or(list_transform(t."tags", lambda v1: COALESCE(lower(v1) = 'skip', FALSE))), FALSE) OR
        COALESCE(list_bool_or(list_transform(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."params"], lambda v2: CASE WHEN json_type(v2) = 'ARRAY' THEN flatten(list_transform(json_extract(v2, '$[*]'), lambda v3: CASE WHEN json_type(v3) = 'ARRAY' THEN json_extract(v3, '$[*]') ELSE [v3] END)) ELSE [v2] END)), lambda v4: json_extract(v4, '/mode')), lambda v5: v5 IS NOT NULL AND json_type(v5) <> 'NULL'), lambda v7: CASE WHEN json_type(v7) = 'ARRAY' THEN flatten(list_transform(json_extract(v7, '$[*]'), lambda v8: CASE WHEN json_type(v8) = 'ARRAY' THEN json_extract(v8, '$[*]') ELSE [v8] END)) ELSE [v7] END)), lambda v9: v9 IS NOT NULL AND json_type(v9) <> 'NULL'), lambda v6: json_extract_string(v6, '$')), lambda v10: COALESCE(lower(v10) = 'skip', FALSE))), FALSE)))
