WITH ev AS (
  SELECT t."src_ip" AS g0, t."sa_event_time" AS ts, t."sa_record_id" AS id, t."dt" AS dt, 'linux:auth' AS lt
  FROM "linux_auth" AS t
  WHERE t."dt" >= '2024-04-30-22'
    AND t."dt" <= '2024-05-09-00'
    AND t."sa_event_time" >= TIMESTAMPTZ '2024-04-30 23:55:00.000000+00'
    AND t."sa_event_time" < TIMESTAMPTZ '2024-05-08 00:00:00.000000+00'
    AND (COALESCE(lower(t."program") IN ('sshd', 'sshd-session'), FALSE) AND
      COALESCE(lower(t."ssh_result") IN ('failed', 'invalid'), FALSE))
),
e AS (SELECT DISTINCT g0, ts, id, dt, lt FROM ev WHERE g0 IS NOT NULL),
w AS (SELECT a.g0, a.ts, a.id, a.dt, count(*) AS n
  FROM e AS a JOIN e AS b ON b.g0 = a.g0
    AND b.ts >= a.ts - INTERVAL '300' SECOND AND (b.ts < a.ts OR (b.ts = a.ts AND b.id <= a.id))
  GROUP BY a.g0, a.ts, a.id, a.dt)
SELECT 'sshd_password_guessing_burst' AS "rule", 'linux:auth' AS "log_type", x.id AS "sa_record_id", x.ts AS "sa_event_time", x.dt AS "dt",
       x.g0 AS "src_ip"
FROM w AS x
WHERE x.ts >= TIMESTAMPTZ '2024-05-01 00:00:00.000000+00'
  AND ((x.n) >= 10)
  AND NOT COALESCE(((x.n - 1) >= 10), FALSE)
