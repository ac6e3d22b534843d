-- sql_not_missing (duckdb)
SELECT 'sql_not_missing' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."other" AS "other",
       t."cmd" AS "cmd",
       NULLIF(array_to_string(t."tags", ', '), '') AS "tags",
       NULLIF(array_to_string(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."params"], lambda v11: CASE WHEN json_type(v11) = 'ARRAY' THEN flatten(list_transform(json_extract(v11, '$[*]'), lambda v12: CASE WHEN json_type(v12) = 'ARRAY' THEN json_extract(v12, '$[*]') ELSE [v12] END)) ELSE [v11] END)), lambda v13: json_extract(v13, '/mode')), lambda v14: v14 IS NOT NULL AND json_type(v14) <> 'NULL'), lambda v15: CASE WHEN json_type(v15) = 'ARRAY' THEN flatten(list_transform(json_extract(v15, '$[*]'), lambda v16: CASE WHEN json_type(v16) = 'ARRAY' THEN json_extract(v16, '$[*]') ELSE [v16] END)) ELSE [v15] END)), lambda v17: v17 IS NOT NULL AND json_type(v17) <> 'NULL'), lambda v18: CASE WHEN json_type(v18) = 'DOUBLE' THEN sa_float_text(CAST(v18 AS DOUBLE)) ELSE json_extract_string(v18, '$') END), ', '), '') AS "params.mode"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(lower(t."other") = 'keep', FALSE) AND
    NOT (COALESCE(contains(lower(t."cmd"), 'skip'), FALSE) OR
        COALESCE(list_bool_or(list_transform(t."tags", lambda v1: COALESCE(lower(v1) = 'skip', FALSE))), FALSE) OR
        COALESCE(list_bool_or(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."params"], lambda v2: CASE WHEN json_type(v2) = 'ARRAY' THEN flatten(list_transform(json_extract(v2, '$[*]'), lambda v3: CASE WHEN json_type(v3) = 'ARRAY' THEN json_extract(v3, '$[*]') ELSE [v3] END)) ELSE [v2] END)), lambda v4: json_extract(v4, '/mode')), lambda v5: v5 IS NOT NULL AND json_type(v5) <> 'NULL'), lambda v6: CASE WHEN json_type(v6) = 'ARRAY' THEN flatten(list_transform(json_extract(v6, '$[*]'), lambda v7: CASE WHEN json_type(v7) = 'ARRAY' THEN json_extract(v7, '$[*]') ELSE [v7] END)) ELSE [v6] END)), lambda v8: v8 IS NOT NULL AND json_type(v8) <> 'NULL'), lambda v9: COALESCE(CASE WHEN json_type(v9) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN FALSE ELSE lower(CASE WHEN json_type(v9) = 'DOUBLE' THEN sa_float_text(CAST(v9 AS DOUBLE)) ELSE json_extract_string(v9, '$') END) = 'skip' END, FALSE))), FALSE)))
