-- Reviewers' decisions, with history. A decision holds until the evidence of its flag changes:
-- each review remembers the hash of the evidence it was made on, and the flag carries the hash
-- of its current evidence.

CREATE TABLE reviews (
    id            INTEGER PRIMARY KEY,
    work_id       INTEGER NOT NULL REFERENCES works(id),
    status        TEXT NOT NULL CHECK (status IN ('confirmed', 'dismissed', 'needs-info')),
    note          TEXT NOT NULL DEFAULT '',
    reviewer      TEXT,
    at            TEXT NOT NULL,
    evidence_hash TEXT NOT NULL
);
CREATE INDEX reviews_work ON reviews(work_id, id);

ALTER TABLE flags ADD COLUMN evidence_hash TEXT NOT NULL DEFAULT '';

DROP VIEW flagged_papers;
CREATE VIEW flagged_papers AS
SELECT
    w.doi,
    w.title,
    w.publication_date,
    w.venue,
    f.tier,
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
