-- The search column also holds the case's 案由 (charge), after the rest. Only cases registered with
-- a charge change; the others keep what 0013 wrote.
UPDATE cases SET search = search || char(10) || lower(json_extract(state, '$.charge'))
WHERE json_extract(state, '$.charge') IS NOT NULL;
