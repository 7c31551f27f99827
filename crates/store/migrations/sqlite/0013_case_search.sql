-- What a case list's search looks in: the case number, the title, every agency's own number,
-- every person's name and identity card number, lower-cased, one per line. Written with the rest of the projection.
ALTER TABLE cases ADD COLUMN search TEXT NOT NULL DEFAULT '';
UPDATE cases SET search = lower(
    case_no || char(10) || title
    || coalesce((SELECT char(10) || group_concat(json_extract(n.value, '$[1]'), char(10)) FROM json_each(cases.state, '$.numbers') AS n), '')
    || coalesce((SELECT char(10) || group_concat(json_extract(p.value, '$.name'), char(10)) FROM json_each(cases.state, '$.persons') AS p), '')
    || coalesce((SELECT char(10) || group_concat(json_extract(p.value, '$.id_number'), char(10)) FROM json_each(cases.state, '$.persons') AS p
                 WHERE json_extract(p.value, '$.id_number') IS NOT NULL), '')
);
