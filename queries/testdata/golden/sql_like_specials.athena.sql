-- sql_like_specials (athena)
SELECT 'sql_like_specials' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."cmd" AS "cmd",
       t."path" AS "Path",
       t."other" AS "other"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMP '2024-05-01 00:00:00.000000'
  AND t."sa_event_time" < TIMESTAMP '2024-05-08 00:00:00.000000'
  AND (COALESCE(lower(replace(t."cmd", 'İ', 'i')) LIKE '%50\%\_off%' ESCAPE '\', FALSE) OR
    COALESCE(lower(replace(t."path", 'İ', 'i')) LIKE 'c:\\users\\%' ESCAPE '\', FALSE) OR
    COALESCE(lower(replace(t."other", 'İ', 'i')) LIKE '%it''s' ESCAPE '\', FALSE))
