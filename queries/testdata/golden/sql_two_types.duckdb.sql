-- sql_two_types (duckdb)
SELECT 'sql_two_types' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."name" AS "name",
       NULLIF(array_to_string(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."sa_extras"], lambda v10: CASE WHEN json_type(v10) = 'ARRAY' THEN flatten(list_transform(json_extract(v10, '$[*]'), lambda v11: CASE WHEN json_type(v11) = 'ARRAY' THEN json_extract(v11, '$[*]') ELSE [v11] END)) ELSE [v10] END)), lambda v12: json_extract(v12, '/src')), lambda v13: v13 IS NOT NULL AND json_type(v13) <> 'NULL'), lambda v15: CASE WHEN json_type(v15) = 'ARRAY' THEN flatten(list_transform(json_extract(v15, '$[*]'), lambda v16: CASE WHEN json_type(v16) = 'ARRAY' THEN json_extract(v16, '$[*]') ELSE [v16] END)) ELSE [v15] END)), lambda v17: v17 IS NOT NULL AND json_type(v17) <> 'NULL'), lambda v14: json_extract_string(v14, '$')), ', '), '') AS "src",
       CAST(t."count" AS VARCHAR) AS "count"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE(starts_with(lower(t."name"), 'multi'), FALSE) OR
    COALESCE(list_bool_or(list_transform(list_transform(list_filter(flatten(list_transform(list_filter(list_transform(flatten(list_transform([t."sa_extras"], lambda v1: CASE WHEN json_type(v1) = 'ARRAY' THEN flatten(list_transform(json_extract(v1, '$[*]'), lambda v2: CASE WHEN json_type(v2) = 'ARRAY' THEN json_extract(v2, '$[*]') ELSE [v2] END)) ELSE [v1] END)), lambda v3: json_extract(v3, '/src')), lambda v4: v4 IS NOT NULL AND json_type(v4) <> 'NULL'), lambda v6: CASE WHEN json_type(v6) = 'ARRAY' THEN flatten(list_transform(json_extract(v6, '$[*]'), lambda v7: CASE WHEN json_type(v7) = 'ARRAY' THEN json_extract(v7, '$[*]') ELSE [v7] END)) ELSE [v6] END)), lambda v8: v8 IS NOT NULL AND json_type(v8) <> 'NULL'), lambda v5: json_extract_string(v5, '$')), lambda v9: COALESCE(sa_cidr_match(v9, '10.0.0.0/8'), FALSE))), FALSE))
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
