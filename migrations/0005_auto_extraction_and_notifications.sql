-- Queue an extraction job for every new document, and tell workers through NOTIFY.
CREATE TABLE IF NOT EXISTS kb.notifications (
    id          BIGSERIAL PRIMARY KEY,
    channel     VARCHAR(64) NOT NULL,
    payload     JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    read_at     TIMESTAMPTZ
);

CREATE INDEX IF NOT EXISTS notifications_unread_idx ON kb.notifications (channel, created_at) WHERE read_at IS NULL;

CREATE OR REPLACE FUNCTION kb.queue_extraction() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    job_id BIGINT;
BEGIN
    INSERT INTO kb.extraction_jobs (document_id) VALUES (NEW.id) RETURNING id INTO job_id;
    INSERT INTO kb.notifications (channel, payload)
    VALUES ('extraction', jsonb_build_object('job_id', job_id, 'document_id', NEW.id, 'title', NEW.title));
    PERFORM pg_notify('extraction', job_id::text);   -- workers LISTEN; the row survives a missed notify
    RETURN NEW;
END;
$fn$;

DROP TRIGGER IF EXISTS documents_queue_extraction ON kb.documents;
CREATE TRIGGER documents_queue_extraction AFTER INSERT ON kb.documents
    FOR EACH ROW EXECUTE FUNCTION kb.queue_extraction();
