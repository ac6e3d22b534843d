-- sql_two_types (athena)
SELECT 'sql_two_types' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."name" AS "name",
       NULLIF(array_join(transform(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."sa_extras"], v10 -> TRY(json_parse(v10))), v11 -> COALESCE(flatten(transform(TRY_CAST(v11 AS ARRAY(JSON)), v12 -> COALESCE(TRY_CAST(v12 AS ARRAY(JSON)), ARRAY[v12]))), ARRAY[v11]))), v13 -> json_extract(v13, '$["src"]')), v14 -> v14 IS NOT NULL AND json_format(v14) <> 'null'), v15 -> COALESCE(flatten(transform(TRY_CAST(v15 AS ARRAY(JSON)), v16 -> COALESCE(TRY_CAST(v16 AS ARRAY(JSON)), ARRAY[v16]))), ARRAY[v15]))), v17 -> v17 IS NOT NULL AND json_format(v17) <> 'null'), v18 -> COALESCE(json_extract_scalar(v18, '$'), json_format(v18))), ', '), '') AS "src",
       CAST(t."count" AS VARCHAR) AS "count"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(t."name", 'İ', 'i')) LIKE 'multi%' ESCAPE '\', FALSE) OR
    COALESCE(any_match(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."sa_extras"], v1 -> TRY(json_parse(v1))), v2 -> COALESCE(flatten(transform(TRY_CAST(v2 AS ARRAY(JSON)), v3 -> COALESCE(TRY_CAST(v3 AS ARRAY(JSON)), ARRAY[v3]))), ARRAY[v2]))), v4 -> json_extract(v4, '$["src"]')), v5 -> v5 IS NOT NULL AND json_format(v5) <> 'null'), v6 -> COALESCE(flatten(transform(TRY_CAST(v6 AS ARRAY(JSON)), v7 -> COALESCE(TRY_CAST(v7 AS ARRAY(JSON)), ARRAY[v7]))), ARRAY[v6]))), v8 -> v8 IS NOT NULL AND json_format(v8) <> 'null'), v9 -> COALESCE(contains('10.0.0.0/8', TRY_CAST(COALESCE(json_extract_scalar(v9, '$'), json_format(v9)) AS IPADDRESS)), FALSE)), FALSE))
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
