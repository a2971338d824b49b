-- Flagged papers: DoD funding and at least one China-based coauthor; tier 1 (a coauthor at a defense-linked entity) first, then tier 2 (another listed entity), then 3, with the latest review.
SELECT doi, title, publication_date, venue, tier, risk, dod_components, award_numbers, china_institutions,
       china_regions, entity_hits, sources, first_flagged_at,
       CASE WHEN evidence_changed_since_review = 1
            THEN review_status || ' (evidence changed since the review)'
            ELSE review_status END AS review_status,
       review_note
FROM flagged_papers
ORDER BY COALESCE(tier, 9), publication_date DESC, doi;
