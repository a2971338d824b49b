-- Since when each entity-list entry a flag names is on its list (issue 17): one line per
-- entry, "Entry [risk]: 2025-01-07"; exports and the review page say whether that was before
-- or after the paper was published.
ALTER TABLE flags ADD COLUMN entity_listed_since TEXT NOT NULL DEFAULT '';

-- A reviewer can undo the last decision (issue 21 (13)): it is kept, marked withdrawn, and the
-- decision before it is the latest again.
ALTER TABLE reviews ADD COLUMN withdrawn_at TEXT;
ALTER TABLE reviews ADD COLUMN withdrawn_by TEXT;

DROP VIEW flagged_papers;
CREATE VIEW flagged_papers AS
SELECT
    w.doi,
    w.title,
    w.publication_date,
    w.venue,
    f.tier,
    f.risk,
    f.dod_components,
    f.award_numbers,
    (SELECT SUM(l.total_obligation_cents) FROM work_awards a
       JOIN award_ledger l ON l.canonical = a.canonical AND l.status = 'found'
      WHERE a.work_id = w.id) AS award_obligation_cents,
    (SELECT group_concat('https://www.usaspending.gov/award/' || usaspending_id, '; ') FROM
       (SELECT l.usaspending_id FROM work_awards a
          JOIN award_ledger l ON l.canonical = a.canonical AND l.status = 'found'
         WHERE a.work_id = w.id ORDER BY l.usaspending_id)) AS award_links,
    f.dod_evidence,
    f.china_institutions,
    f.china_regions,
    f.china_evidence,
    f.entity_hits,
    f.entity_listed_since,
    (SELECT group_concat(source, '; ') FROM (SELECT source FROM source_records s WHERE s.work_id = w.id ORDER BY source)) AS sources,
    f.first_flagged_at,
    f.first_run_id,
    r.status AS review_status,
    r.note AS review_note,
    r.reviewer AS reviewed_by,
    r.at AS reviewed_at,
    CASE WHEN r.id IS NULL THEN NULL WHEN r.evidence_hash = f.evidence_hash THEN 0 ELSE 1 END
        AS evidence_changed_since_review,
    w.openalex_id,
    w.id AS work_id
FROM flags f
JOIN works w ON w.id = f.work_id
LEFT JOIN reviews r ON r.id = (SELECT MAX(id) FROM reviews WHERE work_id = f.work_id AND withdrawn_at IS NULL)
WHERE f.active = 1;

-- The DoD component each cited award is counted under, as exports and `stats` name components
-- (issue 21 (6)): `xrefscan awards` breaks obligations down by it.
ALTER TABLE work_awards ADD COLUMN component TEXT;
UPDATE works SET dirty = 1 WHERE id IN (SELECT work_id FROM classifications WHERE dod = 1);

-- Flagged works are classified again: the column fills, and the entity rules of this version
-- (distinctive aliases, whole institution names, countries) apply to them.
UPDATE works SET dirty = 1 WHERE id IN (SELECT work_id FROM flags);
PRAGMA application_id = 2020763251;
