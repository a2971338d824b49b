-- People (issue 20): who is who across the flagged papers, and dual appointments.

-- One author of the paper placed both in the US and in China, as exports write it.
ALTER TABLE flags ADD COLUMN dual_appointment TEXT NOT NULL DEFAULT '';

-- Whether a China-based affiliation is the author's own (0: the paper's list that a source gave
-- to one author, or a full text's unlinked list): only own affiliations place a person.
ALTER TABLE flag_evidence ADD COLUMN personal INTEGER NOT NULL DEFAULT 1;

-- Reviewers' corrections of identity, never deleted (`retired_at` when withdrawn): `merge`
-- says person keys `a` and `b` are one person; `split` says authorship `a`
-- ("paper:DOI#POSITION") is not the person its ids name.
CREATE TABLE person_overrides (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    a          TEXT NOT NULL,
    b          TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    reviewer   TEXT NOT NULL DEFAULT '',
    at         TEXT NOT NULL,
    retired_at TEXT
);

-- Who is who on the flagged papers, rebuilt after every classification from the stored
-- authorships (ORCIDs, OpenAlex author ids) and the overrides: one row per authorship (a
-- flagged work and a position), the person's key (orcid:…, openalex:A…, or paper:DOI#N for an
-- author without an id, never merged by name), and where the paper places the author.
CREATE TABLE person_authorships (
    work_id            INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    position           INTEGER NOT NULL,
    person             TEXT NOT NULL,
    name               TEXT NOT NULL,
    orcid              TEXT,
    openalex_author_id TEXT,
    china              INTEGER NOT NULL,
    us                 INTEGER NOT NULL,
    dual               INTEGER NOT NULL,
    PRIMARY KEY (work_id, position)
) WITHOUT ROWID;
CREATE INDEX person_authorships_person ON person_authorships(person);

-- One row per person: the name most often written, the other spellings, and how many flagged
-- papers place them in China, in the US, and both (a dual appointment).
CREATE TABLE people (
    key                TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    also               TEXT NOT NULL DEFAULT '',
    orcid              TEXT,
    openalex_author_id TEXT,
    papers             INTEGER NOT NULL,
    china_papers       INTEGER NOT NULL,
    us_papers          INTEGER NOT NULL,
    dual_papers        INTEGER NOT NULL
) WITHOUT ROWID;

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
    f.dual_appointment,
    (SELECT group_concat(p.name || ' (' || p.china_papers || ' flagged papers)', '; ')
       FROM (SELECT DISTINCT pa.person FROM person_authorships pa
              WHERE pa.work_id = w.id AND pa.china = 1) x
       JOIN people p ON p.key = x.person AND p.china_papers >= 2) AS repeat_collaborator_papers,
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

-- Flagged works are classified again: the US-placed authors and dual appointments are found,
-- and the people tables are built.
UPDATE works SET dirty = 1 WHERE id IN (SELECT work_id FROM flags);
