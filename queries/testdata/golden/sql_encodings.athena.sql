-- sql_encodings (athena)
SELECT 'sql_encodings' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."cmd" AS "cmd",
       t."other" AS "other",
       t."name" AS "name"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE((lower(replace(t."cmd", 'İ', 'i')) LIKE '%ahr0cdovl%' ESCAPE '\' OR lower(replace(t."cmd", 'İ', 'i')) LIKE '%h0dha6ly%' ESCAPE '\' OR lower(replace(t."cmd", 'İ', 'i')) LIKE '%odhrwoi8v%' ESCAPE '\'), FALSE) OR
    COALESCE(lower(replace(t."other", 'İ', 'i')) LIKE ('%a' || chr(0) || 'b' || chr(0) || '%') ESCAPE '\', FALSE) OR
    COALESCE((lower(replace(t."name", 'İ', 'i')) LIKE '% -enc %' ESCAPE '\' OR lower(replace(t."name", 'İ', 'i')) LIKE '% /enc %' ESCAPE '\' OR lower(replace(t."name", 'İ', 'i')) LIKE '% –enc %' ESCAPE '\' OR lower(replace(t."name", 'İ', 'i')) LIKE '% —enc %' ESCAPE '\' OR lower(replace(t."name", 'İ', 'i')) LIKE '% ―enc %' ESCAPE '\'), FALSE))
