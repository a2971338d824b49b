-- Flagged papers: DoD funding and at least one China-based coauthor, newest first.
SELECT doi, title, publication_date, venue, dod_components, award_numbers, china_institutions,
       china_regions, sources, first_flagged_at
FROM flagged_papers
ORDER BY publication_date DESC, doi;
