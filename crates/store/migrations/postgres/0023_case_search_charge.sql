-- The search column also holds the case's 案由 (charge), after the rest. Only cases registered with
-- a charge change; the others keep what 0013 wrote.
UPDATE cases SET search = search || E'\n' || lower(state::json ->> 'charge')
WHERE state::json ->> 'charge' IS NOT NULL;
