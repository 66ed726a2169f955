-- An append-only audit log filled by a generic trigger.
CREATE TABLE IF NOT EXISTS kb.audit_log (
    id          BIGSERIAL PRIMARY KEY,
    table_name  TEXT NOT NULL,
    operation   CHAR(1) NOT NULL CHECK (operation IN ('I', 'U', 'D')),
    row_id      BIGINT,
    old_row     JSONB,
    new_row     JSONB,
    actor       TEXT NOT NULL DEFAULT current_user,
    at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS audit_log_table_row_idx ON kb.audit_log (table_name, row_id, at DESC);

CREATE OR REPLACE FUNCTION kb.audit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO kb.audit_log (table_name, operation, row_id, old_row)
        VALUES (TG_TABLE_NAME, 'D', OLD.id, to_jsonb(OLD));
        RETURN OLD;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO kb.audit_log (table_name, operation, row_id, old_row, new_row)
        VALUES (TG_TABLE_NAME, 'U', NEW.id, to_jsonb(OLD), to_jsonb(NEW));
    ELSE
        INSERT INTO kb.audit_log (table_name, operation, row_id, new_row)
        VALUES (TG_TABLE_NAME, 'I', NEW.id, to_jsonb(NEW));
    END IF;
    RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS integrations_audit ON kb.integrations;
CREATE TRIGGER integrations_audit AFTER INSERT OR UPDATE OR DELETE ON kb.integrations
    FOR EACH ROW EXECUTE FUNCTION kb.audit();
