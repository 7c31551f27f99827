-- The case's 案由 (a charge of the catalogue) as its own column, for counts by charge. Rows written
-- before it (with a charge) are filled by `xiezhi rebuild`.
ALTER TABLE cases ADD COLUMN charge TEXT;
CREATE INDEX cases_charge ON cases (charge);
