-- Acknowledgment and funding text per work, with the document it came from, so DoD funding
-- stated only in the text is found; documents remember their hash so unchanged pages are not
-- fetched again.

CREATE TABLE documents (
    id           INTEGER PRIMARY KEY,
    work_id      INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,          -- 'europepmc-fulltext' or 'publisher-page'
    url          TEXT NOT NULL,
    final_url    TEXT,
    status       INTEGER,
    content_type TEXT,
    sha256       TEXT,
    bytes        INTEGER,
    fetched_at   TEXT NOT NULL,
    error        TEXT,
    UNIQUE (work_id, kind)
);

CREATE TABLE acknowledgments (
    id          INTEGER PRIMARY KEY,
    work_id     INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    document_id INTEGER REFERENCES documents(id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    origin      TEXT NOT NULL,           -- e.g. 'acknowledgment (Europe PMC full text)'
    section     TEXT NOT NULL,           -- ack, funding-statement, award-group, funding, …
    seq         INTEGER NOT NULL,
    text        TEXT NOT NULL
);
CREATE INDEX acknowledgments_work ON acknowledgments(work_id);
