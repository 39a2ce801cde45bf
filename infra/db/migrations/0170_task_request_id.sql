-- The request that made a task (its X-Request-Id), so the drainer's line for
-- each task can be followed back to the upload, rescore or event that asked
-- for it. NULL for tasks made outside a request (the seeder, the sweeps).
ALTER TABLE tasks ADD COLUMN request_id text;
