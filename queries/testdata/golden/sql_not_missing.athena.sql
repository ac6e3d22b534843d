-- sql_not_missing (athena)
SELECT 'sql_not_missing' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."other" AS "other",
       t."cmd" AS "cmd",
       NULLIF(array_join(t."tags", ', '), '') AS "tags",
       NULLIF(array_join(transform(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."params"], v12 -> TRY(json_parse(v12))), v13 -> COALESCE(flatten(transform(TRY_CAST(v13 AS ARRAY(JSON)), v14 -> COALESCE(TRY_CAST(v14 AS ARRAY(JSON)), ARRAY[v14]))), ARRAY[v13]))), v15 -> json_extract(v15, '$["mode"]')), v16 -> v16 IS NOT NULL AND json_format(v16) <> 'null'), v17 -> COALESCE(flatten(transform(TRY_CAST(v17 AS ARRAY(JSON)), v18 -> COALESCE(TRY_CAST(v18 AS ARRAY(JSON)), ARRAY[v18]))), ARRAY[v17]))), v19 -> v19 IS NOT NULL AND json_format(v19) <> 'null'), v20 -> COALESCE(json_extract_scalar(v20, '$'), json_format(v20))), ', '), '') AS "params.mode"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(t."other", 'İ', 'i')) = 'keep', FALSE) AND
    NOT (COALESCE(lower(replace(t."cmd", 'İ', 'i')) LIKE '%skip%' ESCAPE '\', FALSE) OR
        COALESCE(any_match(t."tags", v1 -> COALESCE(lower(replace(v1, 'İ', 'i')) = 'skip', FALSE)), FALSE) OR
        COALESCE(any_match(filter(flatten(transform(filter(transform(flatten(transform(transform(ARRAY[t."params"], v2 -> TRY(json_parse(v2))), v3 -> COALESCE(flatten(transform(TRY_CAST(v3 AS ARRAY(JSON)), v4 -> COALESCE(TRY_CAST(v4 AS ARRAY(JSON)), ARRAY[v4]))), ARRAY[v3]))), v5 -> json_extract(v5, '$["mode"]')), v6 -> v6 IS NOT NULL AND json_format(v6) <> 'null'), v7 -> COALESCE(flatten(transform(TRY_CAST(v7 AS ARRAY(JSON)), v8 -> COALESCE(TRY_CAST(v8 AS ARRAY(JSON)), ARRAY[v8]))), ARRAY[v7]))), v9 -> v9 IS NOT NULL AND json_format(v9) <> 'null'), v10 -> COALESCE(CASE WHEN regexp_like(json_format(v10), '^-?[0-9]') THEN FALSE ELSE lower(replace(COALESCE(json_extract_scalar(v10, '$'), json_format(v10)), 'İ', 'i')) = 'skip' END, FALSE)), FALSE)))
