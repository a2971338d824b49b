//! `xrefscan stats`: what is in the database and how the scans went.

use crate::error::Result;
use crate::query::{QueryFormat, run};
use rusqlite::Connection;
use std::io::Write;

/// Print the overview, one section per question.
pub fn print(conn: &Connection, out: &mut dyn Write) -> Result<()> {
    let sections = [
        ("Works per source", "SELECT source, COUNT(*) AS works FROM source_records GROUP BY source ORDER BY source"),
        (
            "Totals",
            "SELECT (SELECT COUNT(*) FROM works) AS works,
                    (SELECT COUNT(*) FROM classifications WHERE dod = 1) AS dod_candidates,
                    (SELECT COUNT(*) FROM classifications WHERE china = 1) AS with_china_coauthor,
                    (SELECT COUNT(*) FROM flags WHERE active = 1) AS flagged,
                    (SELECT COUNT(*) FROM scan_errors) AS recorded_errors",
        ),
        ("Flagged by DoD component", crate::query::CANNED[1].1),
        (
            "Flagged by region",
            "SELECT region, COUNT(DISTINCT e.work_id) AS flagged_papers FROM flag_evidence e
             JOIN flags f ON f.work_id = e.work_id AND f.active = 1 WHERE e.kind = 'china' GROUP BY region ORDER BY region",
        ),
        (
            "Flagged by tier (1 = coauthor at a listed defense-linked entity)",
            "SELECT COALESCE(tier, 'not yet classified') AS tier, COUNT(*) AS flagged_papers FROM flags
             WHERE active = 1 GROUP BY 1 ORDER BY 1",
        ),
        (
            "Reviews (latest decision per flagged paper)",
            "SELECT COALESCE(review_status, 'not reviewed') AS status,
                    SUM(COALESCE(evidence_changed_since_review, 0)) AS evidence_changed_since,
                    COUNT(*) AS flagged_papers
             FROM flagged_papers GROUP BY 1 ORDER BY 1",
        ),
        (
            "Scan history (latest 10)",
            "SELECT id, started_at, from_date, to_date, sources, status, works_seen, flagged, new_flags, requests, retries, errors
             FROM scan_runs ORDER BY id DESC LIMIT 10",
        ),
    ];
    for (title, sql) in sections {
        writeln!(out, "\n{title}").map_err(|e| crate::Error::io("<stdout>", e))?;
        run(conn, sql, QueryFormat::Table, out)?;
    }
    Ok(())
}
