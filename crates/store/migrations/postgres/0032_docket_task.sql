-- What a hand-over waiting with the next unit asks of it, on the docket: for a case the
-- hand-over's kind (arrest_request, prosecution, indictment, appeal, execution), for a dispute the
-- referral's kind or 'report' (a risk report to the police); none while nothing is handed over.
-- A list of work then says "提请批准逮捕" where the case's own stage still reads 侦查.
ALTER TABLE docket ADD COLUMN task TEXT;
UPDATE docket SET task = c.state::json #>> '{handover,kind}' FROM cases c
    WHERE docket.kind = 'case' AND c.id = docket.item_id AND c.pending_unit_id IS NOT NULL;
UPDATE docket SET task = COALESCE(d.state::json #>> '{referral,kind}', 'report') FROM disputes d
    WHERE docket.kind = 'dispute' AND d.id = docket.item_id AND d.pending_unit_id IS NOT NULL;

CREATE OR REPLACE FUNCTION cases_docket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO docket (kind, item_id, number, title, region, stage, active, next_unit_id, holder_unit_id, awaiting_receipt, due_date, due_provisional, updated_at, task)
        VALUES ('case', NEW.id, NEW.case_no, NEW.title, NEW.region, NEW.stage, CASE WHEN NEW.stage IN ('executed', 'declined', 'withdrawn') THEN 0 ELSE 1 END,
                COALESCE(NEW.pending_unit_id, NEW.holder_unit_id), NEW.holder_unit_id, CASE WHEN NEW.pending_unit_id IS NULL THEN 0 WHEN (NEW.state::json #>> '{handover,received}') IS NULL THEN 1 ELSE 0 END,
                NEW.due_date, NEW.due_provisional, NEW.updated_at, CASE WHEN NEW.pending_unit_id IS NULL THEN NULL ELSE NEW.state::json #>> '{handover,kind}' END);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE docket SET number = NEW.case_no, title = NEW.title, region = NEW.region, stage = NEW.stage,
            active = CASE WHEN NEW.stage IN ('executed', 'declined', 'withdrawn') THEN 0 ELSE 1 END,
            next_unit_id = COALESCE(NEW.pending_unit_id, NEW.holder_unit_id), holder_unit_id = NEW.holder_unit_id, awaiting_receipt = CASE WHEN NEW.pending_unit_id IS NULL THEN 0 WHEN (NEW.state::json #>> '{handover,received}') IS NULL THEN 1 ELSE 0 END,
            due_date = NEW.due_date, due_provisional = NEW.due_provisional, updated_at = NEW.updated_at,
            task = CASE WHEN NEW.pending_unit_id IS NULL THEN NULL ELSE NEW.state::json #>> '{handover,kind}' END
        WHERE kind = 'case' AND item_id = NEW.id;
    ELSE
        DELETE FROM docket WHERE kind = 'case' AND item_id = OLD.id;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION disputes_docket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO docket (kind, item_id, number, title, region, stage, active, next_unit_id, holder_unit_id, awaiting_receipt, due_date, due_provisional, updated_at, task)
        VALUES ('dispute', NEW.id, NEW.code, NEW.title, NEW.region, NEW.stage, CASE WHEN NEW.stage IN ('closed', 'withdrawn') THEN 0 ELSE 1 END,
                COALESCE(NEW.pending_unit_id, NEW.holder_unit_id), NEW.holder_unit_id, CASE WHEN NEW.pending_unit_id IS NULL THEN 0 ELSE 1 END,
                NEW.due_date, NEW.due_provisional, NEW.updated_at, CASE WHEN NEW.pending_unit_id IS NULL THEN NULL ELSE COALESCE(NEW.state::json #>> '{referral,kind}', 'report') END);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE docket SET number = NEW.code, title = NEW.title, region = NEW.region, stage = NEW.stage,
            active = CASE WHEN NEW.stage IN ('closed', 'withdrawn') THEN 0 ELSE 1 END,
            next_unit_id = COALESCE(NEW.pending_unit_id, NEW.holder_unit_id), holder_unit_id = NEW.holder_unit_id, awaiting_receipt = CASE WHEN NEW.pending_unit_id IS NULL THEN 0 ELSE 1 END,
            due_date = NEW.due_date, due_provisional = NEW.due_provisional, updated_at = NEW.updated_at,
            task = CASE WHEN NEW.pending_unit_id IS NULL THEN NULL ELSE COALESCE(NEW.state::json #>> '{referral,kind}', 'report') END
        WHERE kind = 'dispute' AND item_id = NEW.id;
    ELSE
        DELETE FROM docket WHERE kind = 'dispute' AND item_id = OLD.id;
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER disputes_docket_update ON disputes;
CREATE TRIGGER disputes_docket_update AFTER UPDATE ON disputes FOR EACH ROW
    WHEN (OLD.stage IS DISTINCT FROM NEW.stage OR OLD.pending_unit_id IS DISTINCT FROM NEW.pending_unit_id OR OLD.holder_unit_id IS DISTINCT FROM NEW.holder_unit_id OR OLD.due_date IS DISTINCT FROM NEW.due_date OR OLD.due_provisional IS DISTINCT FROM NEW.due_provisional OR OLD.code IS DISTINCT FROM NEW.code OR OLD.title IS DISTINCT FROM NEW.title OR OLD.region IS DISTINCT FROM NEW.region OR NEW.pending_unit_id IS NOT NULL)
    EXECUTE FUNCTION disputes_docket();
