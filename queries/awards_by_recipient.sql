-- Who received the awards flagged papers acknowledge: per parent recipient (or recipient),
-- the distinct awards found, the papers citing them, and their obligations to date (each award
-- once).
WITH found AS (
    SELECT l.canonical, COALESCE(NULLIF(l.parent_recipient, ''), l.recipient, 'unknown') AS recipient,
           l.total_obligation_cents AS cents,
           (SELECT COUNT(DISTINCT a.work_id) FROM work_awards a JOIN flags f ON f.work_id = a.work_id
             WHERE f.active = 1 AND a.canonical = l.canonical) AS papers
    FROM award_ledger l
    WHERE l.status = 'found'
      AND EXISTS (SELECT 1 FROM work_awards a JOIN flags f ON f.work_id = a.work_id
                  WHERE f.active = 1 AND a.canonical = l.canonical)
)
SELECT recipient, COUNT(*) AS awards, SUM(papers) AS paper_citations,
       printf('%.2f', SUM(cents) / 100.0) AS obligation_usd
FROM found
GROUP BY recipient
ORDER BY SUM(cents) DESC, recipient;
