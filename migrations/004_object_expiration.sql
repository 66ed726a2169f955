-- Documents and notifications can expire; a function purges what has.
ALTER TABLE kb.documents ADD COLUMN IF NOT EXISTS expires_at TIMESTAMPTZ;
ALTER TABLE kb.notifications ADD COLUMN IF NOT EXISTS expires_at TIMESTAMPTZ;

CREATE INDEX IF NOT EXISTS documents_expires_idx ON kb.documents (expires_at) WHERE expires_at IS NOT NULL;

CREATE OR REPLACE FUNCTION kb.purge_expired(batch_size INTEGER DEFAULT 1000) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    purged INTEGER := 0;
    n      INTEGER;
BEGIN
    DELETE FROM kb.notifications
     WHERE id IN (SELECT id FROM kb.notifications WHERE expires_at < now() LIMIT batch_size);
    GET DIAGNOSTICS n = ROW_COUNT;
    purged := purged + n;

    DELETE FROM kb.documents
     WHERE id IN (SELECT id FROM kb.documents WHERE expires_at < now() LIMIT batch_size);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN purged + n;
END;
$$;

COMMENT ON FUNCTION kb.purge_expired(INTEGER) IS 'Deletes up to batch_size expired rows per table; call it from a scheduled job.';
