-- What the hotline indicators count, kept with each work order's projection: signed for and
-- replied within their limits (1, 0, or NULL while not yet), first contact made, returns and
-- extensions asked, a repeat call.
ALTER TABLE tickets ADD COLUMN signed_on_time BIGINT;
ALTER TABLE tickets ADD COLUMN replied_on_time BIGINT;
ALTER TABLE tickets ADD COLUMN contacted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN returns BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN extensions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN repeat_call BIGINT NOT NULL DEFAULT 0;
