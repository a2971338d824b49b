-- Which discovery route found each work (a work can be found by several): `stats` says per
-- route what it found, so a route that stops finding anything is noticed.

CREATE TABLE discovered_by (
    work_id      INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    route        TEXT NOT NULL,          -- e.g. 'crossref funder id', 'europepmc award number'
    first_run_id INTEGER,
    PRIMARY KEY (work_id, route)
) WITHOUT ROWID;

-- Works found before routes were recorded: by the route their checkpoints name.
INSERT OR IGNORE INTO discovered_by (work_id, route, first_run_id)
    SELECT work_id, source || ' (before routes were recorded)', run_id FROM source_records
    WHERE source IN ('crossref', 'europepmc');
