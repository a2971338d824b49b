-- Reviewers' corrections that every later classification applies: the region of an
-- affiliation string, or an entity-list match on it (removed or added).

CREATE TABLE overrides (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('region', 'entity-remove', 'entity-add')),
    affiliation TEXT NOT NULL,      -- normalised affiliation string it applies to
    value       TEXT NOT NULL,      -- region code, or the list entry's name
    note        TEXT NOT NULL DEFAULT '',
    reviewer    TEXT,
    at          TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX overrides_affiliation ON overrides(affiliation) WHERE active = 1;
