-- sql_not_missing (athena)
SELECT 'sql_not_missing' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."other" AS "other",
       t."cmd" AS "cmd",
       NULLIF(array_join(t."tags", ', '), '') AS "tags",
       NULLIF(array_join(transform(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."params"], v13 -> TRY(json_parse(v13))), v14 -> COALESCE(flatten(transform(TRY_CAST(v14 AS ARRAY(JSON)), v15 -> COALESCE(TRY_CAST(v15 AS ARRAY(JSON)), ARRAY[v15]))), ARRAY[v14]))), v16 -> json_extract(v16, '$["mode"]')), v17 -> v17 IS NOT NULL AND json_format(v17) <> 'null'), v19 -> COALESCE(flatten(transform(TRY_CAST(v19 AS ARRAY(JSON)), v20 -> COALESCE(TRY_CAST(v20 AS ARRAY(JSON)), ARRAY[v20]))), ARRAY[v19]))), v21 -> v21 IS NOT NULL AND json_format(v21) <> 'null'), v18 -> COALESCE(json_extract_scalar(v18, '$'), json_format(v18))), ', '), '') AS "params.mode"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(t."other", 'İ', 'i')) = 'keep', FALSE) AND
    NOT (COALESCE(lower(replace(t."cmd", 'İ', 'i')) LIKE '%skip%' ESCAPE '\', FALSE) OR
        COALESCE(any_match(t."tags", v1 -> COALESCE(lower(replace(v1, 'İ', 'i')) = 'skip', FALSE)), FALSE) OR
        COALESCE(any_match(transform(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."params"], v2 -> TRY(json_parse(v2))), v3 -> COALESCE(flatten(transform(TRY_CAST(v3 AS ARRAY(JSON)), v4 -> COALESCE(TRY_CAST(v4 AS ARRAY(JSON)), ARRAY[v4]))), ARRAY[v3]))), v5 -> json_extract(v5, '$["mode"]')), v6 -> v6 IS NOT NULL AND json_format(v6) <> 'null'), v8 -> COALESCE(flatten(transform(TRY_CAST(v8 AS ARRAY(JSON)), v9 -> COALESCE(TRY_CAST(v9 AS ARRAY(JSON)), ARRAY[v9]))), ARRAY[v8]))), v10 -> v10 IS NOT NULL AND json_format(v10) <> 'null'), v7 -> COALESCE(json_extract_scalar(v7, '$'), json_format(v7))), v11 -> COALESCE(lower(replace(v11, 'İ', 'i')) = 'skip', FALSE)), FALSE)))
