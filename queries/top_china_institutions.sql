-- China-based institutions most often on flagged papers (from the evidence of each flag).
SELECT COALESCE(e.institution, e.affiliation) AS institution,
       e.region,
       COUNT(DISTINCT e.work_id) AS flagged_papers
FROM flag_evidence e JOIN flags f ON f.work_id = e.work_id AND f.active = 1
WHERE e.kind = 'china'
GROUP BY 1, 2
ORDER BY flagged_papers DESC, institution
LIMIT 50;
