-- Flagged papers per entity list and entry named in their China-based coauthors' affiliations (a paper can count for several).
SELECT e.component AS list,
       e.institution AS entry,
       COUNT(DISTINCT e.work_id) AS flagged_papers
FROM flag_evidence e JOIN flags f ON f.work_id = e.work_id AND f.active = 1
WHERE e.kind = 'entity'
GROUP BY 1, 2
ORDER BY flagged_papers DESC, list, entry;
