-- Documents of the knowledge base and the jobs that extract their content.
CREATE SCHEMA IF NOT EXISTS kb;

CREATE TABLE IF NOT EXISTS kb.documents (
    id           BIGSERIAL PRIMARY KEY,
    title        TEXT NOT NULL,
    source_url   TEXT,
    mime_type    VARCHAR(127) NOT NULL DEFAULT 'text/plain',
    content      TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS kb.extraction_jobs (
    id            BIGSERIAL PRIMARY KEY,
    document_id   BIGINT NOT NULL REFERENCES kb.documents (id) ON DELETE CASCADE,
    status        VARCHAR(32) NOT NULL DEFAULT 'pending',
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at    TIMESTAMPTZ,
    finished_at   TIMESTAMPTZ
);

CREATE INDEX IF NOT EXISTS extraction_jobs_status_idx ON kb.extraction_jobs (status, created_at);
CREATE INDEX IF NOT EXISTS extraction_jobs_document_idx ON kb.extraction_jobs (document_id);

COMMENT ON TABLE kb.extraction_jobs IS 'One row per attempt to extract a document''s text; workers poll by status.';
