-- Flagged papers per DoD component (a paper funded by two components counts for each).
WITH RECURSIVE split(work_id, component, rest) AS (
    SELECT work_id, '', dod_components || '; ' FROM flags WHERE active = 1
    UNION ALL
    SELECT work_id,
           substr(rest, 1, instr(rest, '; ') - 1),
           substr(rest, instr(rest, '; ') + 2)
    FROM split WHERE rest <> ''
)
SELECT component, COUNT(DISTINCT work_id) AS flagged_papers
FROM split WHERE component <> ''
GROUP BY component
ORDER BY flagged_papers DESC, component;
