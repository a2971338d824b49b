-- Authors placed both in the US and in China on the same DoD-funded flagged paper (a dual appointment), with both affiliations as the sources wrote them.
SELECT w.doi,
       w.title,
       w.publication_date,
       e.author_position,
       e.author_name,
       pa.person,
       e.matched AS us_affiliation,
       e.affiliation AS china_affiliation,
       e.region AS china_region,
       e.institution AS china_institution,
       f.dod_components,
       f.tier
FROM flag_evidence e
JOIN flags f ON f.work_id = e.work_id AND f.active = 1
JOIN works w ON w.id = e.work_id
LEFT JOIN person_authorships pa ON pa.work_id = e.work_id AND pa.position = e.author_position
WHERE e.kind = 'dual'
ORDER BY w.publication_date DESC, w.doi, e.author_position;
