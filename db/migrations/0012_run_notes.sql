-- What each source of a run said beside its counts (issue 22): a scheduled run's update routes
-- ("indexed since 2024-06-17, published 2024-01-01 – 2024-07-01: 12 works"), revisits, the
-- sweep, the acknowledgments read. `stats` shows the latest run's.
ALTER TABLE run_sources ADD COLUMN note TEXT;
