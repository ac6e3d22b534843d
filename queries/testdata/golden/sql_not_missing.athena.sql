-- sql_not_missing (athena)
SELECT 'sql_not_missing' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."other" AS "other",
       t."cmd" AS "cmd",
       NULLIF(array_join(transform(t."tags", v14 -> v14), ', '), '') AS "tags",
       NULLIF(array_join(transform(transform(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."params"], v15 -> TRY(json_parse(v15))), v16 -> COALESCE(flatten(transform(TRY_CAST(v16 AS ARRAY(JSON)), v17 -> COALESCE(flatten(transform(TRY_CAST(v17 AS ARRAY(JSON)), v18 -> ARRAY[v18])), ARRAY[v17]))), ARRAY[v16]))), v19 -> json_extract(v19, '$["mode"]')), v20 -> v20 IS NOT NULL AND json_format(v20) <> 'null'), v22 -> COALESCE(flatten(transform(TRY_CAST(v22 AS ARRAY(JSON)), v23 -> COALESCE(flatten(transform(TRY_CAST(v23 AS ARRAY(JSON)), v24 -> ARRAY[v24])), ARRAY[v23]))), ARRAY[v22]))), v25 -> v25 IS NOT NULL AND json_format(v25) <> 'null'), v21 -> COALESCE(json_extract_scalar(v21, '$'), json_format(v21))), v26 -> v26), ', '), '') AS "params.mode"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(t."other", 'İ', 'i')) = 'keep', FALSE) AND
    NOT (COALESCE(lower(replace(t."cmd", 'İ', 'i')) LIKE '%skip%' ESCAPE '\', FALSE) OR
        COALESCE(any_match(t."tags", v1 -> COALESCE(lower(replace(v1, 'İ', 'i')) = 'skip', FALSE)), FALSE) OR
        COALESCE(any_match(transform(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."params"], v2 -> TRY(json_parse(v2))), v3 -> COALESCE(flatten(transform(TRY_CAST(v3 AS ARRAY(JSON)), v4 -> COALESCE(flatten(transform(TRY_CAST(v4 AS ARRAY(JSON)), v5 -> ARRAY[v5])), ARRAY[v4]))), ARRAY[v3]))), v6 -> json_extract(v6, '$["mode"]')), v7 -> v7 IS NOT NULL AND json_format(v7) <> 'null'), v9 -> COALESCE(flatten(transform(TRY_CAST(v9 AS ARRAY(JSON)), v10 -> COALESCE(flatten(transform(TRY_CAST(v10 AS ARRAY(JSON)), v11 -> ARRAY[v11])), ARRAY[v10]))), ARRAY[v9]))), v12 -> v12 IS NOT NULL AND json_format(v12) <> 'null'), v8 -> COALESCE(json_extract_scalar(v8, '$'), json_format(v8))), v13 -> COALESCE(lower(replace(v13, 'İ', 'i')) = 'skip', FALSE)), FALSE)))
