-- Settling the resumes of discarded tasks asks whether another task for the
-- same resume is still queued or running (resultstore_settle_discarded): by
-- the resume id in the payload, since an upload's and a rescore's tasks have
-- different keys. Only unfinished tasks are indexed, so the index stays as
-- small as the queue; without it the generic plan read the whole tasks
-- table (found by tests/t0800-plans.sh).
CREATE INDEX tasks_active_resume ON tasks ((payload->>'resume_id'), kind) WHERE state IN ('queued', 'running');
