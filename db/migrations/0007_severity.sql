-- Defense-link severity: an imported list says how defense-linked its entries are, and a flag
-- carries the list and level that decided its tier (1 = defense-linked entity, 2 = another
-- listed entity, 3 = other China-based coauthors). Flags are derived again to get them.

ALTER TABLE entity_list_versions ADD COLUMN severity TEXT NOT NULL DEFAULT 'listed';
UPDATE entity_list_versions SET severity = 'defense-linked'
 WHERE lower(id) LIKE '%entity-list%' OR lower(id) LIKE '%meu%' OR lower(id) LIKE '%military%';

ALTER TABLE flags ADD COLUMN risk TEXT NOT NULL DEFAULT '';

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
    f.dod_evidence,
    f.china_institutions,
    f.china_regions,
    f.china_evidence,
    f.entity_hits,
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
LEFT JOIN reviews r ON r.id = (SELECT MAX(id) FROM reviews WHERE work_id = f.work_id)
WHERE f.active = 1;

UPDATE works SET dirty = 1 WHERE id IN (SELECT work_id FROM flags);
