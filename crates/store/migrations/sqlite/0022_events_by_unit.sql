-- What a unit did, newest first (已办): its events by unit, without reading the whole record.
CREATE INDEX events_unit ON events (unit_id, seq);
