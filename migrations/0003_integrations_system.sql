-- External systems documents are imported from, and a shared updated_at trigger.
CREATE OR REPLACE FUNCTION kb.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TABLE IF NOT EXISTS kb.integrations (
    id           BIGSERIAL PRIMARY KEY,
    kind         VARCHAR(64) NOT NULL,          -- 'github', 'confluence', 'gdrive', ...
    name         TEXT NOT NULL,
    config       JSONB NOT NULL DEFAULT '{}'::jsonb,
    enabled      BOOLEAN NOT NULL DEFAULT true,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (kind, name)
);

CREATE TABLE IF NOT EXISTS kb.integration_sync_runs (
    id              BIGSERIAL PRIMARY KEY,
    integration_id  BIGINT NOT NULL REFERENCES kb.integrations (id) ON DELETE CASCADE,
    started_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at     TIMESTAMPTZ,
    items_seen      INTEGER NOT NULL DEFAULT 0,
    error           TEXT
);

DROP TRIGGER IF EXISTS integrations_touch ON kb.integrations;
CREATE TRIGGER integrations_touch BEFORE UPDATE ON kb.integrations
    FOR EACH ROW EXECUTE FUNCTION kb.touch_updated_at();

DROP TRIGGER IF EXISTS documents_touch ON kb.documents;
CREATE TRIGGER documents_touch BEFORE UPDATE ON kb.documents
    FOR EACH ROW EXECUTE FUNCTION kb.touch_updated_at();
