-- Rescoring after a rubric change: a rescore batch remembers the rubric
-- version it scores against and which resumes were on the job's shortlist
-- when it started, so the moves into and out of the shortlist can be told.
ALTER TABLE batches ADD COLUMN rubric_version text;
ALTER TABLE batches ADD COLUMN shortlist_before bigint[];

-- The progress of a rescore batch counts its tasks by the batch named in
-- their payload (its resumes keep the batch they were uploaded in).
CREATE INDEX tasks_payload_batch ON tasks ((payload->>'batch_id')) WHERE kind = 'process_resume';
