-- Provinces' own risk scales for disputes (their levels' names and colours, each standing for one
-- of the machine's four tiers), where their rules differ from the four colours: one per province.
-- Each change is an event about 'risk_scale:PROVINCE'.
CREATE TABLE risk_scales (
    province TEXT PRIMARY KEY,
    levels TEXT NOT NULL,
    basis TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
