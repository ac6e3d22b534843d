-- sql_two_types (duckdb)
SELECT 'sql_two_types' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."name" AS "name",
       NULLIF(array_to_string(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."sa_extras"], lambda v9: CASE WHEN json_type(v9) = 'ARRAY' THEN flatten(list_transform(json_extract(v9, '$[*]'), lambda v10: CASE WHEN json_type(v10) = 'ARRAY' THEN json_extract(v10, '$[*]') ELSE [v10] END)) ELSE [v9] END)), lambda v11: json_extract(v11, '/src')), lambda v12: v12 IS NOT NULL AND json_type(v12) <> 'NULL'), lambda v13: CASE WHEN json_type(v13) = 'ARRAY' THEN flatten(list_transform(json_extract(v13, '$[*]'), lambda v14: CASE WHEN json_type(v14) = 'ARRAY' THEN json_extract(v14, '$[*]') ELSE [v14] END)) ELSE [v13] END)), lambda v15: v15 IS NOT NULL AND json_type(v15) <> 'NULL'), lambda v16: CASE WHEN json_type(v16) = 'DOUBLE' THEN sa_float_text(CAST(v16 AS DOUBLE)) ELSE json_extract_string(v16, '$') END), ', '), '') AS "src",
       CAST(t."count" AS VARCHAR) AS "count"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(starts_with(lower(t."name"), 'multi'), FALSE) OR
    COALESCE(list_bool_or(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."sa_extras"], lambda v1: CASE WHEN json_type(v1) = 'ARRAY' THEN flatten(list_transform(json_extract(v1, '$[*]'), lambda v2: CASE WHEN json_type(v2) = 'ARRAY' THEN json_extract(v2, '$[*]') ELSE [v2] END)) ELSE [v1] END)), lambda v3: json_extract(v3, '/src')), lambda v4: v4 IS NOT NULL AND json_type(v4) <> 'NULL'), lambda v5: CASE WHEN json_type(v5) = 'ARRAY' THEN flatten(list_transform(json_extract(v5, '$[*]'), lambda v6: CASE WHEN json_type(v6) = 'ARRAY' THEN json_extract(v6, '$[*]') ELSE [v6] END)) ELSE [v5] END)), lambda v7: v7 IS NOT NULL AND json_type(v7) <> 'NULL'), lambda v8: COALESCE(sa_cidr_match(CASE WHEN json_type(v8) = 'DOUBLE' THEN sa_float_text(CAST(v8 AS DOUBLE)) ELSE json_extract_string(v8, '$') END, '10.0.0.0/8'), FALSE))), FALSE))
UNION ALL
SELECT 'sql_two_types' AS "rule", 'sqltest:other' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."name" AS "name",
       t."src" AS "src",
       t."count" AS "count"
FROM "sqltest_other" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(starts_with(lower(t."name"), 'multi'), FALSE) OR
    COALESCE(sa_cidr_match(t."src", '10.0.0.0/8'), FALSE))
