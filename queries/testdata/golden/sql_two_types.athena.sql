-- sql_two_types (athena)
SELECT 'sql_two_types' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."name" AS "name",
       NULLIF(array_join(transform(transform(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."sa_extras"], v13 -> TRY(json_parse(v13))), v14 -> COALESCE(flatten(transform(TRY_CAST(v14 AS ARRAY(JSON)), v15 -> COALESCE(flatten(transform(TRY_CAST(v15 AS ARRAY(JSON)), v16 -> ARRAY[v16])), ARRAY[v15]))), ARRAY[v14]))), v17 -> json_extract(v17, '$["src"]')), v18 -> v18 IS NOT NULL AND json_format(v18) <> 'null'), v20 -> COALESCE(flatten(transform(TRY_CAST(v20 AS ARRAY(JSON)), v21 -> COALESCE(flatten(transform(TRY_CAST(v21 AS ARRAY(JSON)), v22 -> ARRAY[v22])), ARRAY[v21]))), ARRAY[v20]))), v23 -> v23 IS NOT NULL AND json_format(v23) <> 'null'), v19 -> COALESCE(json_extract_scalar(v19, '$'), json_format(v19))), v24 -> v24), ', '), '') AS "src",
       CAST(t."count" AS VARCHAR) AS "count"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(t."name", 'İ', 'i')) LIKE 'multi%' ESCAPE '\', FALSE) OR
    COALESCE(any_match(transform(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."sa_extras"], v1 -> TRY(json_parse(v1))), v2 -> COALESCE(flatten(transform(TRY_CAST(v2 AS ARRAY(JSON)), v3 -> COALESCE(flatten(transform(TRY_CAST(v3 AS ARRAY(JSON)), v4 -> ARRAY[v4])), ARRAY[v3]))), ARRAY[v2]))), v5 -> json_extract(v5, '$["src"]')), v6 -> v6 IS NOT NULL AND json_format(v6) <> 'null'), v8 -> COALESCE(flatten(transform(TRY_CAST(v8 AS ARRAY(JSON)), v9 -> COALESCE(flatten(transform(TRY_CAST(v9 AS ARRAY(JSON)), v10 -> ARRAY[v10])), ARRAY[v9]))), ARRAY[v8]))), v11 -> v11 IS NOT NULL AND json_format(v11) <> 'null'), v7 -> COALESCE(json_extract_scalar(v7, '$'), json_format(v7))), v12 -> COALESCE(contains('10.0.0.0/8', TRY_CAST(v12 AS IPADDRESS)), FALSE)), FALSE))
UNION ALL
SELECT 'sql_two_types' AS "rule", 'sqltest:other' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."name" AS "name",
       t."src" AS "src",
       t."count" AS "count"
FROM "sqltest_other" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(t."name", 'İ', 'i')) LIKE 'multi%' ESCAPE '\', FALSE) OR
    COALESCE(contains('10.0.0.0/8', TRY_CAST(t."src" AS IPADDRESS)), FALSE))
