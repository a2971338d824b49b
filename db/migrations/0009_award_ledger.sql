-- The award ledger: what the awards DoD-funded papers cite are worth (USAspending), each award
-- once however many papers cite it.

-- The awards each DoD-funded work cites, one canonical number each (derived at classification,
-- replaced whenever the work is classified again).
CREATE TABLE work_awards (
    work_id   INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    canonical TEXT NOT NULL,              -- N000142112345: upper case, no separators or labels
    cited_as  TEXT NOT NULL,              -- as the paper wrote it
    office    TEXT,                       -- issuing office of a DoD number
    lookup    INTEGER NOT NULL,           -- 1: a DoD number by the PIID grammar, looked up
    evidence  TEXT NOT NULL,              -- the funder record or acknowledgment that cites it
    PRIMARY KEY (work_id, canonical)
) WITHOUT ROWID;
CREATE INDEX work_awards_canonical ON work_awards(canonical);

-- What USAspending answered for each number looked up. Money in whole cents.
CREATE TABLE award_ledger (
    canonical                  TEXT PRIMARY KEY,
    status                     TEXT NOT NULL,   -- found, not-found, ambiguous
    usaspending_id             TEXT,            -- generated_internal_id
    link                       TEXT,            -- its page on USAspending.gov
    award_type                 TEXT,            -- grant, contract, idv
    type_description           TEXT,
    total_obligation_cents     INTEGER,
    base_and_all_options_cents INTEGER,
    awarding_agency            TEXT,
    awarding_sub_agency        TEXT,
    awarding_office            TEXT,
    recipient                  TEXT,
    parent_recipient           TEXT,
    period_start               TEXT,
    period_end                 TEXT,
    last_modified              TEXT,
    candidates                 TEXT NOT NULL DEFAULT '',  -- ambiguous: one candidate per line
    searched                   TEXT NOT NULL DEFAULT '',  -- award groups searched
    raw_json                   TEXT,
    fetched_at                 TEXT NOT NULL
);

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

-- DoD-funded works are classified again so their cited awards are derived.
UPDATE works SET dirty = 1 WHERE id IN (SELECT work_id FROM classifications WHERE dod = 1);
