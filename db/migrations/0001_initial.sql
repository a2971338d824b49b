-- xrefscan schema v1. Every derived fact keeps the source that said it.

-- One row per work, canonical by normalised DOI (or OpenAlex id for works without a DOI).
CREATE TABLE works (
    id               INTEGER PRIMARY KEY,
    doi              TEXT UNIQUE,
    openalex_id      TEXT UNIQUE,
    title            TEXT,
    publication_date TEXT,
    venue            TEXT,
    work_type        TEXT,
    first_seen_at    TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    -- 1 when a source changed this work since it was last classified.
    dirty            INTEGER NOT NULL DEFAULT 1
);
-- No index on dirty or publication_date: each is read once per scan, and every insert would
-- pay for them (see benches/store.rs).

-- The raw JSON of every record, per source. (A rowid table: rows of several KB do not suit
-- WITHOUT ROWID.)
CREATE TABLE source_records (
    id         INTEGER PRIMARY KEY,
    work_id    INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    source     TEXT NOT NULL,
    source_key TEXT NOT NULL,
    raw_json   TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    run_id     INTEGER,
    UNIQUE (work_id, source)
);

-- Works a source was asked about and did not have (so a re-run does not ask again).
CREATE TABLE source_misses (
    work_id    INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    source     TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    PRIMARY KEY (work_id, source)
) WITHOUT ROWID;

CREATE TABLE authorships (
    work_id     INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    orcid       TEXT,
    openalex_author_id TEXT,
    countries   TEXT,
    PRIMARY KEY (work_id, source, position)
) WITHOUT ROWID;

CREATE TABLE affiliations (
    work_id          INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    source           TEXT NOT NULL,
    author_position  INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    raw_string       TEXT,
    institution_name TEXT,
    institution_id   TEXT,
    ror              TEXT,
    country_code     TEXT,
    PRIMARY KEY (work_id, source, author_position, seq)
) WITHOUT ROWID;

CREATE TABLE funders (
    work_id     INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    funder_id   TEXT,
    name        TEXT,
    ror         TEXT,
    asserted_by TEXT,
    PRIMARY KEY (work_id, source, seq)
) WITHOUT ROWID;

CREATE TABLE awards (
    work_id      INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    source       TEXT NOT NULL,
    funder_seq   INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    award_number TEXT NOT NULL,
    PRIMARY KEY (work_id, source, funder_seq, seq)
) WITHOUT ROWID;

CREATE TABLE scan_runs (
    id           INTEGER PRIMARY KEY,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    from_date    TEXT,
    to_date      TEXT,
    sources      TEXT,
    status       TEXT NOT NULL DEFAULT 'running',
    works_seen   INTEGER NOT NULL DEFAULT 0,
    works_new    INTEGER NOT NULL DEFAULT 0,
    candidates   INTEGER NOT NULL DEFAULT 0,
    flagged      INTEGER NOT NULL DEFAULT 0,
    new_flags    INTEGER NOT NULL DEFAULT 0,
    requests     INTEGER NOT NULL DEFAULT 0,
    retries      INTEGER NOT NULL DEFAULT 0,
    errors       INTEGER NOT NULL DEFAULT 0,
    elapsed_ms   INTEGER,
    message      TEXT
);

CREATE TABLE run_sources (
    run_id   INTEGER NOT NULL REFERENCES scan_runs(id),
    source   TEXT NOT NULL,
    works    INTEGER NOT NULL DEFAULT 0,
    announced INTEGER,
    requests INTEGER NOT NULL DEFAULT 0,
    retries  INTEGER NOT NULL DEFAULT 0,
    errors   INTEGER NOT NULL DEFAULT 0,
    status   TEXT NOT NULL,
    message  TEXT,
    PRIMARY KEY (run_id, source)
) WITHOUT ROWID;

-- Paging state per (source, shard); committed with each page's rows.
CREATE TABLE checkpoints (
    source     TEXT NOT NULL,
    shard      TEXT NOT NULL,
    cursor     TEXT,
    done       INTEGER NOT NULL DEFAULT 0,
    items      INTEGER NOT NULL DEFAULT 0,
    announced  INTEGER,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, shard)
) WITHOUT ROWID;

CREATE TABLE scan_errors (
    id      INTEGER PRIMARY KEY,
    run_id  INTEGER,
    source  TEXT NOT NULL,
    url     TEXT,
    kind    TEXT NOT NULL,
    message TEXT NOT NULL,
    raw     TEXT,
    at      TEXT NOT NULL
);

-- Funder ids of the DoD family learnt at run time (Crossref descendants, OpenAlex ids).
CREATE TABLE dod_funder_ids (
    scheme      TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT,
    registry_id TEXT,
    fetched_at  TEXT NOT NULL,
    PRIMARY KEY (scheme, id)
) WITHOUT ROWID;

-- The latest decision for every classified work.
CREATE TABLE classifications (
    work_id       INTEGER PRIMARY KEY REFERENCES works(id) ON DELETE CASCADE,
    dod           INTEGER NOT NULL,
    china         INTEGER NOT NULL,
    classified_at TEXT NOT NULL
);

-- Flags are never deleted: a flag that no longer holds becomes inactive, keeping its history.
CREATE TABLE flags (
    work_id            INTEGER PRIMARY KEY REFERENCES works(id),
    active             INTEGER NOT NULL DEFAULT 1,
    first_flagged_at   TEXT NOT NULL,
    first_run_id       INTEGER,
    last_run_id        INTEGER,
    updated_at         TEXT NOT NULL,
    dod_components     TEXT NOT NULL,
    award_numbers      TEXT NOT NULL,
    dod_evidence       TEXT NOT NULL,
    china_institutions TEXT NOT NULL,
    china_regions      TEXT NOT NULL,
    china_evidence     TEXT NOT NULL
);

CREATE TABLE flag_evidence (
    id              INTEGER PRIMARY KEY,
    work_id         INTEGER NOT NULL REFERENCES works(id),
    kind            TEXT NOT NULL,          -- 'dod' or 'china'
    source          TEXT NOT NULL,
    summary         TEXT NOT NULL,
    component       TEXT,
    via             TEXT,
    matched         TEXT,
    funder_name     TEXT,
    funder_id       TEXT,
    awards          TEXT,
    author_position INTEGER,
    author_name     TEXT,
    affiliation     TEXT,
    institution     TEXT,
    country_code    TEXT,
    region          TEXT
);
CREATE INDEX flag_evidence_work ON flag_evidence(work_id);

-- What `export` writes, for sqlite3 and Datasette users.
CREATE VIEW flagged_papers AS
SELECT
    w.doi,
    w.title,
    w.publication_date,
    w.venue,
    f.dod_components,
    f.award_numbers,
    f.dod_evidence,
    f.china_institutions,
    f.china_regions,
    f.china_evidence,
    (SELECT group_concat(source, '; ') FROM (SELECT source FROM source_records s WHERE s.work_id = w.id ORDER BY source)) AS sources,
    f.first_flagged_at,
    f.first_run_id,
    w.openalex_id,
    w.id AS work_id
FROM flags f JOIN works w ON w.id = f.work_id
WHERE f.active = 1;
