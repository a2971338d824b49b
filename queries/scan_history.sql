-- Every scan: window, sources, what it found, how it went.
SELECT id, started_at, finished_at, from_date, to_date, sources, status, works_seen, works_new,
       candidates, flagged, new_flags, requests, retries, errors, elapsed_ms, message
FROM scan_runs
ORDER BY id DESC;
