-- What a case list's search looks in: the case number, the title, every agency's own number,
-- every person's name and identity card number, lower-cased, one per line. Written with the rest of the projection.
ALTER TABLE cases ADD COLUMN search TEXT NOT NULL DEFAULT '';
UPDATE cases SET search = lower(
    case_no || E'\n' || title
    || coalesce((SELECT E'\n' || string_agg(n ->> 1, E'\n') FROM json_array_elements(state::json -> 'numbers') AS n), '')
    || coalesce((SELECT E'\n' || string_agg(p ->> 'name', E'\n') FROM json_array_elements(state::json -> 'persons') AS p), '')
    || coalesce((SELECT E'\n' || string_agg(p ->> 'id_number', E'\n') FROM json_array_elements(state::json -> 'persons') AS p
                 WHERE p ->> 'id_number' IS NOT NULL), '')
);
