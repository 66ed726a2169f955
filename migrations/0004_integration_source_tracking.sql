-- Which integration a document came from, and its id over there, so re-syncs update in place.
ALTER TABLE kb.documents
    ADD COLUMN IF NOT EXISTS integration_id BIGINT REFERENCES kb.integrations (id) ON DELETE SET NULL,
    ADD COLUMN IF NOT EXISTS external_id    TEXT,
    ADD COLUMN IF NOT EXISTS external_etag  TEXT,
    ADD COLUMN IF NOT EXISTS synced_at      TIMESTAMPTZ;

CREATE UNIQUE INDEX IF NOT EXISTS documents_integration_external_uq
    ON kb.documents (integration_id, external_id)
    WHERE integration_id IS NOT NULL;
