-- sql_numbers_compare (athena)
SELECT 'sql_numbers_compare' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       CAST(t."count" AS VARCHAR) AS "count",
       CAST(t."ratio" AS VARCHAR) AS "ratio",
       t."cmd" AS "cmd",
       NULLIF(array_join(transform(transform(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."params"], v13 -> TRY(json_parse(v13))), v14 -> COALESCE(flatten(transform(TRY_CAST(v14 AS ARRAY(JSON)), v15 -> COALESCE(flatten(transform(TRY_CAST(v15 AS ARRAY(JSON)), v16 -> ARRAY[v16])), ARRAY[v15]))), ARRAY[v14]))), v17 -> json_extract(v17, '$["size"]')), v18 -> v18 IS NOT NULL AND json_format(v18) <> 'null'), v20 -> COALESCE(flatten(transform(TRY_CAST(v20 AS ARRAY(JSON)), v21 -> COALESCE(flatten(transform(TRY_CAST(v21 AS ARRAY(JSON)), v22 -> ARRAY[v22])), ARRAY[v21]))), ARRAY[v20]))), v23 -> v23 IS NOT NULL AND json_format(v23) <> 'null'), v19 -> COALESCE(json_extract_scalar(v19, '$'), json_format(v19))), v24 -> v24), ', '), '') AS "params.size"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(t."count" > 1000, FALSE) OR
    COALESCE(CASE WHEN is_nan(t."ratio") THEN NULL ELSE t."ratio" END <= CAST('-0.5' AS DOUBLE), FALSE) OR
    COALESCE(CASE WHEN regexp_like(t."cmd", '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$') THEN TRY_CAST(t."cmd" AS DOUBLE) END >= CAST('10' AS DOUBLE), FALSE) OR
    COALESCE(any_match(transform(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."params"], v1 -> TRY(json_parse(v1))), v2 -> COALESCE(flatten(transform(TRY_CAST(v2 AS ARRAY(JSON)), v3 -> COALESCE(flatten(transform(TRY_CAST(v3 AS ARRAY(JSON)), v4 -> ARRAY[v4])), ARRAY[v3]))), ARRAY[v2]))), v5 -> json_extract(v5, '$["size"]')), v6 -> v6 IS NOT NULL AND json_format(v6) <> 'null'), v8 -> COALESCE(flatten(transform(TRY_CAST(v8 AS ARRAY(JSON)), v9 -> COALESCE(flatten(transform(TRY_CAST(v9 AS ARRAY(JSON)), v10 -> ARRAY[v10])), ARRAY[v9]))), ARRAY[v8]))), v11 -> v11 IS NOT NULL AND json_format(v11) <> 'null'), v7 -> COALESCE(json_extract_scalar(v7, '$'), json_format(v7))), v12 -> COALESCE(CASE WHEN regexp_like(v12, '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$') THEN TRY_CAST(v12 AS DOUBLE) END < CAST('3' AS DOUBLE), FALSE)), FALSE))
