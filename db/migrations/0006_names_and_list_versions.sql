-- Institutions are counted by ROR id where a source gave one; entity-list imports are kept as
-- versions (a newer import or a removal never deletes the list it replaces, so `lists restore`
-- can bring it back); flags are derived again so they carry one name per component and per
-- institution.

ALTER TABLE flag_evidence ADD COLUMN ror TEXT;

CREATE TABLE entity_list_versions (
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL,
    -- 1 for the version in force; at most one per id.
    active      INTEGER NOT NULL DEFAULT 1,
    -- 1 for a removal: while it is in force, the list (bundled or imported) is not used.
    removed     INTEGER NOT NULL DEFAULT 0,
    title       TEXT NOT NULL,
    source      TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    licence     TEXT NOT NULL,
    file        TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE entity_version_entries (
    list_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    name    TEXT NOT NULL,
    aliases TEXT NOT NULL,      -- '|'-separated
    detail  TEXT NOT NULL,
    FOREIGN KEY (list_id, version) REFERENCES entity_list_versions(id, version) ON DELETE CASCADE
);
CREATE INDEX entity_version_entries_list ON entity_version_entries(list_id, version);

INSERT INTO entity_list_versions (id, version, active, removed, title, source, as_of, licence, file, imported_at)
    SELECT id, 1, 1, 0, title, source, as_of, licence, file, imported_at FROM entity_lists;
INSERT INTO entity_version_entries (list_id, version, name, aliases, detail)
    SELECT list_id, 1, name, aliases, detail FROM entity_entries;
DROP TABLE entity_entries;
DROP TABLE entity_lists;

UPDATE works SET dirty = 1 WHERE id IN (SELECT work_id FROM flags);
