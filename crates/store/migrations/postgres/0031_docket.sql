-- The docket: one row for every piece of work, whatever its kind (a criminal case, a dispute, a
-- hotline work order), with what every list of work filters and sorts on: whose move it is, who
-- holds it, whether a hand-over waits to be signed for, the earliest due date. It is kept by the
-- database itself, in the transaction that writes the item's own row (the triggers below), so no
-- write path can leave it behind. Lists of work across kinds (a unit's 待办, the overdue and
-- approaching lists of a region) read it once. An update of an item that changes none of what the
-- docket holds (a note recorded, a document added) leaves its docket row alone. The counts by
-- region, kind and stage are kept as counters beside it in the same transaction. On PostgreSQL the counters are written when the
-- transaction commits (deferred triggers), after the write has taken the audit log's lock, so two
-- writers never wait on each other's counters in opposite orders.
CREATE TABLE docket (
    -- 'case', 'dispute' or 'ticket'; with item_id, the item's event subject (`case:12`).
    kind TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    -- The number people know it by: the case number, the dispute's code, the work order's number.
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    region TEXT NOT NULL,
    stage TEXT NOT NULL,
    -- 1 until the item is closed (a case executed, declined or withdrawn; a dispute closed or
    -- withdrawn; a work order closed or terminated).
    active BIGINT NOT NULL,
    -- The unit whose move it is: the receiver while a hand-over waits to be signed for, otherwise
    -- the holder (for a work order, the unit whose step is next).
    next_unit_id BIGINT NOT NULL,
    holder_unit_id BIGINT NOT NULL,
    -- 1 while a hand-over waits to be signed for by next_unit_id (a case's hand-over stays with
    -- the receiver after it signs for it, until it decides: only then is it no longer awaited).
    awaiting_receipt BIGINT NOT NULL,
    due_date TEXT,
    due_provisional BIGINT NOT NULL,
    -- When the item last moved: any of the above changed (a note or a signature alone is no move).
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (kind, item_id)
);

INSERT INTO docket (kind, item_id, number, title, region, stage, active, next_unit_id, holder_unit_id, awaiting_receipt, due_date, due_provisional, updated_at)
    SELECT 'case', id, case_no, title, region, stage, CASE WHEN stage IN ('executed', 'declined', 'withdrawn') THEN 0 ELSE 1 END,
           COALESCE(pending_unit_id, holder_unit_id), holder_unit_id, CASE WHEN pending_unit_id IS NOT NULL AND (state::json #>> '{handover,received}') IS NULL THEN 1 ELSE 0 END,
           due_date, due_provisional, updated_at
    FROM cases;
INSERT INTO docket (kind, item_id, number, title, region, stage, active, next_unit_id, holder_unit_id, awaiting_receipt, due_date, due_provisional, updated_at)
    SELECT 'dispute', id, code, title, region, stage, CASE WHEN stage IN ('closed', 'withdrawn') THEN 0 ELSE 1 END,
           COALESCE(pending_unit_id, holder_unit_id), holder_unit_id, CASE WHEN pending_unit_id IS NULL THEN 0 ELSE 1 END,
           due_date, due_provisional, updated_at
    FROM disputes;
INSERT INTO docket (kind, item_id, number, title, region, stage, active, next_unit_id, holder_unit_id, awaiting_receipt, due_date, due_provisional, updated_at)
    SELECT 'ticket', id, ticket_no, title, region, stage, CASE WHEN stage IN ('closed', 'terminated') THEN 0 ELSE 1 END,
           COALESCE(pending_unit_id, lead_unit_id, centre_unit_id), COALESCE(lead_unit_id, centre_unit_id), CASE WHEN stage = 'dispatched' THEN 1 ELSE 0 END,
           due_date, due_provisional, updated_at
    FROM tickets;

-- Lists are ordered by the due date with items without one last: by COALESCE(due_date, '~') ('~'
-- sorts after every date), then kind and id, so an index gives the order and a page is read
-- without sorting. docket_due also carries the region, kind and stage: a region's lists and the
-- overdue tally filter and count on them in the index (each index more costs every write).
CREATE INDEX docket_next ON docket (next_unit_id, active, (COALESCE(due_date, '~')), kind, item_id);
CREATE INDEX docket_due ON docket (active, (COALESCE(due_date, '~')), kind, item_id, region, stage);

-- How many items each region has of each kind in each stage (closed stages included).
CREATE TABLE docket_counts (
    region TEXT NOT NULL,
    kind TEXT NOT NULL,
    stage TEXT NOT NULL,
    items BIGINT NOT NULL,
    PRIMARY KEY (region, kind, stage)
);
INSERT INTO docket_counts (region, kind, stage, items) SELECT region, kind, stage, COUNT(*) FROM docket GROUP BY region, kind, stage;

CREATE FUNCTION docket_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO docket_counts (region, kind, stage, items) VALUES (OLD.region, OLD.kind, OLD.stage, -1), (NEW.region, NEW.kind, NEW.stage, 1)
            ON CONFLICT (region, kind, stage) DO UPDATE SET items = docket_counts.items + EXCLUDED.items;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO docket_counts (region, kind, stage, items) VALUES (NEW.region, NEW.kind, NEW.stage, 1)
            ON CONFLICT (region, kind, stage) DO UPDATE SET items = docket_counts.items + 1;
    ELSE
        UPDATE docket_counts SET items = items - 1 WHERE region = OLD.region AND kind = OLD.kind AND stage = OLD.stage;
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER docket_count_insert AFTER INSERT ON docket DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION docket_count();
CREATE CONSTRAINT TRIGGER docket_count_update AFTER UPDATE OF region, stage ON docket DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.region <> NEW.region OR OLD.stage <> NEW.stage) EXECUTE FUNCTION docket_count();
CREATE CONSTRAINT TRIGGER docket_count_delete AFTER DELETE ON docket DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION docket_count();

CREATE FUNCTION cases_docket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO docket (kind, item_id, number, title, region, stage, active, next_unit_id, holder_unit_id, awaiting_receipt, due_date, due_provisional, updated_at)
        VALUES ('case', NEW.id, NEW.case_no, NEW.title, NEW.region, NEW.stage, CASE WHEN NEW.stage IN ('executed', 'declined', 'withdrawn') THEN 0 ELSE 1 END,
                COALESCE(NEW.pending_unit_id, NEW.holder_unit_id), NEW.holder_unit_id, CASE WHEN NEW.pending_unit_id IS NULL THEN 0 WHEN (NEW.state::json #>> '{handover,received}') IS NULL THEN 1 ELSE 0 END,
                NEW.due_date, NEW.due_provisional, NEW.updated_at);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE docket SET number = NEW.case_no, title = NEW.title, region = NEW.region, stage = NEW.stage,
            active = CASE WHEN NEW.stage IN ('executed', 'declined', 'withdrawn') THEN 0 ELSE 1 END,
            next_unit_id = COALESCE(NEW.pending_unit_id, NEW.holder_unit_id), holder_unit_id = NEW.holder_unit_id, awaiting_receipt = CASE WHEN NEW.pending_unit_id IS NULL THEN 0 WHEN (NEW.state::json #>> '{handover,received}') IS NULL THEN 1 ELSE 0 END,
            due_date = NEW.due_date, due_provisional = NEW.due_provisional, updated_at = NEW.updated_at
        WHERE kind = 'case' AND item_id = NEW.id;
    ELSE
        DELETE FROM docket WHERE kind = 'case' AND item_id = OLD.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER cases_docket_insert AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION cases_docket();
CREATE TRIGGER cases_docket_update AFTER UPDATE ON cases FOR EACH ROW
    WHEN (OLD.stage IS DISTINCT FROM NEW.stage OR OLD.pending_unit_id IS DISTINCT FROM NEW.pending_unit_id OR OLD.holder_unit_id IS DISTINCT FROM NEW.holder_unit_id OR OLD.due_date IS DISTINCT FROM NEW.due_date OR OLD.due_provisional IS DISTINCT FROM NEW.due_provisional OR OLD.case_no IS DISTINCT FROM NEW.case_no OR OLD.title IS DISTINCT FROM NEW.title OR OLD.region IS DISTINCT FROM NEW.region OR NEW.pending_unit_id IS NOT NULL)
    EXECUTE FUNCTION cases_docket();
CREATE TRIGGER cases_docket_delete AFTER DELETE ON cases FOR EACH ROW EXECUTE FUNCTION cases_docket();

CREATE FUNCTION disputes_docket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO docket (kind, item_id, number, title, region, stage, active, next_unit_id, holder_unit_id, awaiting_receipt, due_date, due_provisional, updated_at)
        VALUES ('dispute', NEW.id, NEW.code, NEW.title, NEW.region, NEW.stage, CASE WHEN NEW.stage IN ('closed', 'withdrawn') THEN 0 ELSE 1 END,
                COALESCE(NEW.pending_unit_id, NEW.holder_unit_id), NEW.holder_unit_id, CASE WHEN NEW.pending_unit_id IS NULL THEN 0 ELSE 1 END,
                NEW.due_date, NEW.due_provisional, NEW.updated_at);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE docket SET number = NEW.code, title = NEW.title, region = NEW.region, stage = NEW.stage,
            active = CASE WHEN NEW.stage IN ('closed', 'withdrawn') THEN 0 ELSE 1 END,
            next_unit_id = COALESCE(NEW.pending_unit_id, NEW.holder_unit_id), holder_unit_id = NEW.holder_unit_id, awaiting_receipt = CASE WHEN NEW.pending_unit_id IS NULL THEN 0 ELSE 1 END,
            due_date = NEW.due_date, due_provisional = NEW.due_provisional, updated_at = NEW.updated_at
        WHERE kind = 'dispute' AND item_id = NEW.id;
    ELSE
        DELETE FROM docket WHERE kind = 'dispute' AND item_id = OLD.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER disputes_docket_insert AFTER INSERT ON disputes FOR EACH ROW EXECUTE FUNCTION disputes_docket();
CREATE TRIGGER disputes_docket_update AFTER UPDATE ON disputes FOR EACH ROW
    WHEN (OLD.stage IS DISTINCT FROM NEW.stage OR OLD.pending_unit_id IS DISTINCT FROM NEW.pending_unit_id OR OLD.holder_unit_id IS DISTINCT FROM NEW.holder_unit_id OR OLD.due_date IS DISTINCT FROM NEW.due_date OR OLD.due_provisional IS DISTINCT FROM NEW.due_provisional OR OLD.code IS DISTINCT FROM NEW.code OR OLD.title IS DISTINCT FROM NEW.title OR OLD.region IS DISTINCT FROM NEW.region)
    EXECUTE FUNCTION disputes_docket();
CREATE TRIGGER disputes_docket_delete AFTER DELETE ON disputes FOR EACH ROW EXECUTE FUNCTION disputes_docket();

CREATE FUNCTION tickets_docket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO docket (kind, item_id, number, title, region, stage, active, next_unit_id, holder_unit_id, awaiting_receipt, due_date, due_provisional, updated_at)
        VALUES ('ticket', NEW.id, NEW.ticket_no, NEW.title, NEW.region, NEW.stage, CASE WHEN NEW.stage IN ('closed', 'terminated') THEN 0 ELSE 1 END,
                COALESCE(NEW.pending_unit_id, NEW.lead_unit_id, NEW.centre_unit_id), COALESCE(NEW.lead_unit_id, NEW.centre_unit_id), CASE WHEN NEW.stage = 'dispatched' THEN 1 ELSE 0 END,
                NEW.due_date, NEW.due_provisional, NEW.updated_at);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE docket SET number = NEW.ticket_no, title = NEW.title, region = NEW.region, stage = NEW.stage,
            active = CASE WHEN NEW.stage IN ('closed', 'terminated') THEN 0 ELSE 1 END,
            next_unit_id = COALESCE(NEW.pending_unit_id, NEW.lead_unit_id, NEW.centre_unit_id), holder_unit_id = COALESCE(NEW.lead_unit_id, NEW.centre_unit_id), awaiting_receipt = CASE WHEN NEW.stage = 'dispatched' THEN 1 ELSE 0 END,
            due_date = NEW.due_date, due_provisional = NEW.due_provisional, updated_at = NEW.updated_at
        WHERE kind = 'ticket' AND item_id = NEW.id;
    ELSE
        DELETE FROM docket WHERE kind = 'ticket' AND item_id = OLD.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER tickets_docket_insert AFTER INSERT ON tickets FOR EACH ROW EXECUTE FUNCTION tickets_docket();
CREATE TRIGGER tickets_docket_update AFTER UPDATE ON tickets FOR EACH ROW
    WHEN (OLD.stage IS DISTINCT FROM NEW.stage OR OLD.pending_unit_id IS DISTINCT FROM NEW.pending_unit_id OR OLD.lead_unit_id IS DISTINCT FROM NEW.lead_unit_id OR OLD.centre_unit_id IS DISTINCT FROM NEW.centre_unit_id OR OLD.due_date IS DISTINCT FROM NEW.due_date OR OLD.due_provisional IS DISTINCT FROM NEW.due_provisional OR OLD.ticket_no IS DISTINCT FROM NEW.ticket_no OR OLD.title IS DISTINCT FROM NEW.title OR OLD.region IS DISTINCT FROM NEW.region)
    EXECUTE FUNCTION tickets_docket();
CREATE TRIGGER tickets_docket_delete AFTER DELETE ON tickets FOR EACH ROW EXECUTE FUNCTION tickets_docket();
