-- Every scan: window, sources, what it found, how it went (the figures the end-of-scan summary prints).
SELECT id, started_at, finished_at, from_date, to_date, sources, status,
       works_seen AS records_returned, works_new, candidates AS dod_funded_works, flagged,
       new_flags, requests, retries, errors, elapsed_ms, message
FROM scan_runs
ORDER BY id DESC;
