-- 督办 (H14): how many supervision notices the hotline centre has issued on the order.
ALTER TABLE tickets ADD COLUMN supervised BIGINT NOT NULL DEFAULT 0;
