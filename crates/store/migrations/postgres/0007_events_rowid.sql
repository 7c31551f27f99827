-- SQLite turns the event sequence into its rowid here; PostgreSQL's events table is already
-- keyed by seq alone. Kept so both backends have the same migration history.
SELECT 1;
