-- Defense-linked entities: a tier per flag, the list entries behind it, and lists imported at
-- run time (`xrefscan lists import`) that replace or add to the bundled ones without a rebuild.

ALTER TABLE flags ADD COLUMN tier INTEGER;
ALTER TABLE flags ADD COLUMN entity_hits TEXT NOT NULL DEFAULT '';

CREATE TABLE entity_lists (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    source      TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    licence     TEXT NOT NULL,
    file        TEXT NOT NULL,
    imported_at TEXT NOT NULL
);

CREATE TABLE entity_entries (
    list_id TEXT NOT NULL REFERENCES entity_lists(id) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    aliases TEXT NOT NULL,      -- '|'-separated
    detail  TEXT NOT NULL
);
CREATE INDEX entity_entries_list ON entity_entries(list_id);

-- Flags made before tiers existed get them at the next classification.
UPDATE works SET dirty = 1 WHERE id IN (SELECT work_id FROM flags);

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
    w.openalex_id,
    w.id AS work_id
FROM flags f JOIN works w ON w.id = f.work_id
WHERE f.active = 1;
