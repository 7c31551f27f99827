-- Since when someone on the case has been held without a break (YYYY-MM-DD): the long-custody
-- list (久押不决) of the committees. Rows written before this column are filled by `xiezhi rebuild`.
ALTER TABLE cases ADD COLUMN held_since TEXT;
CREATE INDEX cases_held_since ON cases (held_since);
