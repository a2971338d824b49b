-- The awards flagged papers acknowledge, each award once however many papers cite it: how many
-- were found in USAspending, and their obligations to date (USAspending total_obligation) —
-- not money spent on those papers. By tier, then in all.
WITH cited AS (
    SELECT DISTINCT f.tier, a.canonical
    FROM work_awards a JOIN flags f ON f.work_id = a.work_id
    WHERE f.active = 1 AND a.lookup = 1
),
per_tier AS (
    SELECT CAST(c.tier AS TEXT) AS tier,
           COUNT(*) AS awards_cited,
           SUM(l.status = 'found') AS found,
           SUM(l.status = 'not-found') AS not_found,
           SUM(l.status = 'ambiguous') AS ambiguous,
           SUM(l.canonical IS NULL) AS not_asked_yet,
           SUM(CASE WHEN l.status = 'found' THEN l.total_obligation_cents END) AS cents
    FROM cited c LEFT JOIN award_ledger l ON l.canonical = c.canonical
    GROUP BY c.tier
),
everything AS (
    SELECT 'all' AS tier,
           COUNT(*) AS awards_cited,
           SUM(l.status = 'found'),
           SUM(l.status = 'not-found'),
           SUM(l.status = 'ambiguous'),
           SUM(l.canonical IS NULL),
           SUM(CASE WHEN l.status = 'found' THEN l.total_obligation_cents END)
    FROM (SELECT DISTINCT canonical FROM cited) c LEFT JOIN award_ledger l ON l.canonical = c.canonical
)
SELECT tier, awards_cited, found, not_found, ambiguous, not_asked_yet,
       printf('%.2f', COALESCE(cents, 0) / 100.0) AS obligation_usd
FROM (SELECT * FROM per_tier UNION ALL SELECT * FROM everything)
ORDER BY tier = 'all', tier;
