-- The unit a return, refusal, protest or collaboration message on the case waits for (its
-- workbench lists them with their reasons); cleared when that unit acts. Rows written before this
-- column are filled by `xiezhi rebuild`.
ALTER TABLE cases ADD COLUMN notice_unit_id BIGINT REFERENCES units (id);
CREATE INDEX cases_notice ON cases (notice_unit_id);
