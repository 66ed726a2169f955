-- Progress of long extractions, for the UI's progress bar.
ALTER TABLE kb.extraction_jobs
    ADD COLUMN IF NOT EXISTS total_items      INTEGER,
    ADD COLUMN IF NOT EXISTS processed_items  INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS progress_message TEXT;

ALTER TABLE kb.extraction_jobs DROP CONSTRAINT IF EXISTS extraction_jobs_progress_check;
ALTER TABLE kb.extraction_jobs
    ADD CONSTRAINT extraction_jobs_progress_check
    CHECK (total_items IS NULL OR processed_items <= total_items);
