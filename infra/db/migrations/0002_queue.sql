-- The queue: claims filtered by one kind (a drainer that only sends email
-- while thousands of resumes wait to be scored) read that kind's queued rows
-- in claim order instead of walking and sorting every queued row.
CREATE INDEX tasks_claimable_kind ON tasks (kind, priority DESC, run_at, id) WHERE state = 'queued';
