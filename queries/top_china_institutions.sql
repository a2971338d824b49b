-- China-based institutions most often on flagged papers: one row per institution (its ROR id where a source gave one, else its name however written), from the evidence of each flag.
WITH ev AS (
    SELECT e.work_id, e.region, COALESCE(e.institution, e.affiliation) AS name,
           lower(COALESCE(e.institution, e.affiliation)) AS lname, e.ror
    FROM flag_evidence e JOIN flags f ON f.work_id = e.work_id AND f.active = 1
    WHERE e.kind = 'china'
), names AS (
    SELECT lname, MAX(ror) AS ror FROM ev GROUP BY lname
), keyed AS (
    SELECT ev.work_id, ev.region, ev.name, COALESCE(ev.ror, names.ror, ev.lname) AS k
    FROM ev JOIN names USING (lname)
), shown AS (
    SELECT k, name, ROW_NUMBER() OVER (PARTITION BY k ORDER BY COUNT(*) DESC, name) AS rank
    FROM keyed GROUP BY k, name
)
SELECT s.name AS institution,
       group_concat(DISTINCT keyed.region) AS region,
       COUNT(DISTINCT keyed.work_id) AS flagged_papers
FROM keyed JOIN shown s ON s.k = keyed.k AND s.rank = 1
GROUP BY keyed.k
ORDER BY flagged_papers DESC, institution
LIMIT 50;
