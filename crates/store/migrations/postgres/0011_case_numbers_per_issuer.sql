-- A case number is unique for the unit that issued it (the registering police unit), not across
-- the province: a refusal must not tell one unit that another unit's number exists.
ALTER TABLE cases DROP CONSTRAINT IF EXISTS cases_case_no_key;
ALTER TABLE cases ADD COLUMN issuer_unit_id BIGINT;
UPDATE cases SET issuer_unit_id = (state::json -> 'investigator' ->> 'id')::bigint;
ALTER TABLE cases ALTER COLUMN issuer_unit_id SET NOT NULL;
CREATE UNIQUE INDEX cases_issuer_number ON cases (issuer_unit_id, case_no);
