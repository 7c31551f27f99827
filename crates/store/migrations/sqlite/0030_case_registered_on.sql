-- The day a case was registered (立案, YYYY-MM-DD, China Standard Time), for statistics by period:
-- set when the case is created, never changed. Cases written before it take the day their
-- registration event records.
ALTER TABLE cases ADD COLUMN registered_on TEXT;
UPDATE cases SET registered_on = (SELECT json_extract(e.payload, '$.on') FROM events e WHERE e.subject = 'case:' || cases.id AND e.kind = 'case.registered');
CREATE INDEX cases_registered_on ON cases (registered_on);
