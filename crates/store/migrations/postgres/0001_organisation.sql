-- Regions, units, people, sign-in and the security record. Times are microseconds since the epoch.
CREATE TABLE regions (
    code TEXT PRIMARY KEY NOT NULL,
    parent TEXT REFERENCES regions (code),
    level TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL
);
CREATE INDEX regions_parent ON regions (parent);

CREATE TABLE units (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region TEXT NOT NULL REFERENCES regions (code),
    kind TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL,
    disabled_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX units_region ON units (region, kind);

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    disabled_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX users_unit ON users (unit_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE security_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    username TEXT,
    user_id BIGINT,
    region TEXT,
    client TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX security_events_login ON security_events (kind, username, at);
CREATE INDEX security_events_region ON security_events (region, at);

-- Facts about this database, e.g. that it holds the demo province.
CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
