-- Cities' own hotline time limits, where their regulations differ from the catalogue's: one per
-- city and rule. Each change is an event about 'limits:REGION'; an order keeps the limits in
-- force on the day it was taken (they are in its registration event).
CREATE TABLE local_limits (
    region TEXT NOT NULL,
    rule TEXT NOT NULL,
    length BIGINT NOT NULL,
    basis TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region, rule)
);
