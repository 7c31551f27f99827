-- The agencies' registers: the last serial each unit gave in each register and year (案号的
-- 序号). Drawn in the transaction that records the number, so the serials of a register run
-- 1, 2, 3 … without gaps.
CREATE TABLE serials (
    unit_id BIGINT NOT NULL REFERENCES units (id),
    register TEXT NOT NULL,
    year BIGINT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (unit_id, register, year)
);

-- Numbers given before used the case's or dispute's id as their serial. Registers of a database
-- that has any start after the largest such id in the years that can hold them, so a new number
-- never repeats an old one.
INSERT INTO serials (unit_id, register, year, last)
SELECT u.id, r.register, y.year, m.top
FROM units u
CROSS JOIN (SELECT 'police_filing' AS register UNION ALL SELECT 'prosecution_review' UNION ALL SELECT 'first_instance'
            UNION ALL SELECT 'second_instance' UNION ALL SELECT 'civil_special' UNION ALL SELECT 'civil_first_instance') r
CROSS JOIN (SELECT 2025 AS year UNION ALL SELECT 2026 UNION ALL SELECT 2027) y
CROSS JOIN (SELECT MAX(top) AS top FROM (SELECT MAX(id) AS top FROM cases UNION ALL SELECT MAX(id) FROM disputes) ids) m
WHERE m.top IS NOT NULL;
