-- sql_encodings (duckdb)
SELECT 'sql_encodings' AS "rule", 'sqltest:events' AS "log_type", t."sa_record_id", t."sa_event_time", t."dt",
       t."cmd" AS "cmd",
       t."other" AS "other",
       t."name" AS "name"
FROM "sqltest_events" AS t
WHERE t."dt" >= '2024-04-30-23'
  AND t."dt" <= '2024-05-09-00'
  AND t."sa_event_time" >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
  AND (COALESCE((contains(lower(t."cmd"), 'ahr0cdovl') OR contains(lower(t."cmd"), 'h0dha6ly') OR contains(lower(t."cmd"), 'odhrwoi8v')), FALSE) OR
    COALESCE(contains(lower(t."other"), ('a' || chr(0) || 'b' || chr(0))), FALSE) OR
    COALESCE((contains(lower(t."name"), ' -enc ') OR contains(lower(t."name"), ' /enc ') OR contains(lower(t."name"), ' –enc ') OR contains(lower(t."name"), ' —enc ') OR contains(lower(t."name"), ' ―enc ')), FALSE))
