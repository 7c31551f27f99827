-- What a hand-over waiting with the next unit asks of it, on the docket: for a case the
-- hand-over's kind (arrest_request, prosecution, indictment, appeal, execution), for a dispute the
-- referral's kind or 'report' (a risk report to the police); none while nothing is handed over.
-- A list of work then says "提请批准逮捕" where the case's own stage still reads 侦查.
ALTER TABLE docket ADD COLUMN task TEXT;
UPDATE docket SET task = (SELECT json_extract(c.state, '$.handover.kind') FROM cases c WHERE c.id = docket.item_id AND c.pending_unit_id IS NOT NULL)
    WHERE kind = 'case';
UPDATE docket SET task = (SELECT COALESCE(json_extract(d.state, '$.referral.kind'), 'report') FROM disputes d WHERE d.id = docket.item_id AND d.pending_unit_id IS NOT NULL)
    WHERE kind = 'dispute';

DROP TRIGGER cases_docket_insert;
DROP TRIGGER cases_docket_update;
DROP TRIGGER disputes_docket_insert;
DROP TRIGGER disputes_docket_update;
CREATE TRIGGER cases_docket_insert AFTER INSERT ON cases BEGIN
    INSERT INTO docket (kind, item_id, number, title, region, stage, active, next_unit_id, holder_unit_id, awaiting_receipt, due_date, due_provisional, updated_at, task)
    VALUES ('case', NEW.id, NEW.case_no, NEW.title, NEW.region, NEW.stage, CASE WHEN NEW.stage IN ('executed', 'declined', 'withdrawn') THEN 0 ELSE 1 END,
            COALESCE(NEW.pending_unit_id, NEW.holder_unit_id), NEW.holder_unit_id, CASE WHEN NEW.pending_unit_id IS NOT NULL AND json_extract(NEW.state, '$.handover.received') IS NULL THEN 1 ELSE 0 END,
            NEW.due_date, NEW.due_provisional, NEW.updated_at, CASE WHEN NEW.pending_unit_id IS NULL THEN NULL ELSE json_extract(NEW.state, '$.handover.kind') END);
END;
CREATE TRIGGER cases_docket_update AFTER UPDATE ON cases
    WHEN OLD.stage IS NOT NEW.stage OR OLD.pending_unit_id IS NOT NEW.pending_unit_id OR OLD.holder_unit_id IS NOT NEW.holder_unit_id OR OLD.due_date IS NOT NEW.due_date OR OLD.due_provisional IS NOT NEW.due_provisional OR OLD.case_no IS NOT NEW.case_no OR OLD.title IS NOT NEW.title OR OLD.region IS NOT NEW.region OR NEW.pending_unit_id IS NOT NULL
BEGIN
    UPDATE docket SET number = NEW.case_no, title = NEW.title, region = NEW.region, stage = NEW.stage,
        active = CASE WHEN NEW.stage IN ('executed', 'declined', 'withdrawn') THEN 0 ELSE 1 END,
        next_unit_id = COALESCE(NEW.pending_unit_id, NEW.holder_unit_id), holder_unit_id = NEW.holder_unit_id,
        awaiting_receipt = CASE WHEN NEW.pending_unit_id IS NOT NULL AND json_extract(NEW.state, '$.handover.received') IS NULL THEN 1 ELSE 0 END,
        due_date = NEW.due_date, due_provisional = NEW.due_provisional, updated_at = NEW.updated_at,
        task = CASE WHEN NEW.pending_unit_id IS NULL THEN NULL ELSE json_extract(NEW.state, '$.handover.kind') END
    WHERE kind = 'case' AND item_id = NEW.id;
END;
CREATE TRIGGER disputes_docket_insert AFTER INSERT ON disputes BEGIN
    INSERT INTO docket (kind, item_id, number, title, region, stage, active, next_unit_id, holder_unit_id, awaiting_receipt, due_date, due_provisional, updated_at, task)
    VALUES ('dispute', NEW.id, NEW.code, NEW.title, NEW.region, NEW.stage, CASE WHEN NEW.stage IN ('closed', 'withdrawn') THEN 0 ELSE 1 END,
            COALESCE(NEW.pending_unit_id, NEW.holder_unit_id), NEW.holder_unit_id, CASE WHEN NEW.pending_unit_id IS NULL THEN 0 ELSE 1 END,
            NEW.due_date, NEW.due_provisional, NEW.updated_at, CASE WHEN NEW.pending_unit_id IS NULL THEN NULL ELSE COALESCE(json_extract(NEW.state, '$.referral.kind'), 'report') END);
END;
CREATE TRIGGER disputes_docket_update AFTER UPDATE ON disputes
    WHEN OLD.stage IS NOT NEW.stage OR OLD.pending_unit_id IS NOT NEW.pending_unit_id OR OLD.holder_unit_id IS NOT NEW.holder_unit_id OR OLD.due_date IS NOT NEW.due_date OR OLD.due_provisional IS NOT NEW.due_provisional OR OLD.code IS NOT NEW.code OR OLD.title IS NOT NEW.title OR OLD.region IS NOT NEW.region OR NEW.pending_unit_id IS NOT NULL
BEGIN
    UPDATE docket SET number = NEW.code, title = NEW.title, region = NEW.region, stage = NEW.stage,
        active = CASE WHEN NEW.stage IN ('closed', 'withdrawn') THEN 0 ELSE 1 END,
        next_unit_id = COALESCE(NEW.pending_unit_id, NEW.holder_unit_id), holder_unit_id = NEW.holder_unit_id,
        awaiting_receipt = CASE WHEN NEW.pending_unit_id IS NULL THEN 0 ELSE 1 END,
        due_date = NEW.due_date, due_provisional = NEW.due_provisional, updated_at = NEW.updated_at,
        task = CASE WHEN NEW.pending_unit_id IS NULL THEN NULL ELSE COALESCE(json_extract(NEW.state, '$.referral.kind'), 'report') END
    WHERE kind = 'dispute' AND item_id = NEW.id;
END;
