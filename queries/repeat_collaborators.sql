-- China-based coauthors on two or more flagged papers (a person is followed across papers only by an ORCID or an OpenAlex author id, never by name), with their institutions, the DoD components funding those papers and their US-based coauthors on them.
SELECT p.name,
       p.key AS person,
       p.china_papers AS flagged_papers,
       p.dual_papers AS dual_appointment_papers,
       (SELECT group_concat(DISTINCT COALESCE(e.institution, e.affiliation))
          FROM person_authorships pa
          JOIN flag_evidence e ON e.work_id = pa.work_id AND e.author_position = pa.position
                              AND e.kind = 'china'
         WHERE pa.person = p.key) AS institutions,
       (SELECT group_concat(DISTINCT e.institution || ' [' || e.component || ']')
          FROM person_authorships pa
          JOIN flag_evidence e ON e.work_id = pa.work_id AND e.author_position = pa.position
                              AND e.kind = 'entity'
         WHERE pa.person = p.key) AS entity_hits,
       (SELECT group_concat(DISTINCT f.dod_components)
          FROM person_authorships pa JOIN flags f ON f.work_id = pa.work_id AND f.active = 1
         WHERE pa.person = p.key AND pa.china = 1) AS dod_components,
       (SELECT group_concat(DISTINCT q.name)
          FROM person_authorships pa
          JOIN person_authorships o ON o.work_id = pa.work_id AND o.us = 1 AND o.person <> pa.person
          JOIN people q ON q.key = o.person
         WHERE pa.person = p.key AND pa.china = 1) AS us_coauthors
FROM people p
WHERE p.china_papers >= 2
ORDER BY p.china_papers DESC, p.name;
