-- Only known statuses; written with the earlier system's template (the file wraps its own transaction).
BEGIN;

UPDATE kb.extraction_jobs SET status = 'failed' WHERE status NOT IN ('pending', 'running', 'completed', 'failed', 'cancelled');

ALTER TABLE kb.extraction_jobs DROP CONSTRAINT IF EXISTS extraction_jobs_status_check;
ALTER TABLE kb.extraction_jobs
    ADD CONSTRAINT extraction_jobs_status_check
    CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled'));

COMMIT;
