-- Flagged papers: DoD funding and at least one China-based coauthor; tier 1 (a coauthor at a listed defense-linked entity) first.
SELECT doi, title, publication_date, venue, tier, dod_components, award_numbers, china_institutions,
       china_regions, entity_hits, sources, first_flagged_at
FROM flagged_papers
ORDER BY COALESCE(tier, 9), publication_date DESC, doi;
