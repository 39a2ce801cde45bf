-- Pruning: the drainer deletes succeeded tasks, dead-letter tasks and
-- settled upload slots past their retention, oldest first and a bounded
-- batch at a time (shared/queue/prune.c). Each kind has a partial index in
-- that order, so a round reads only the rows it deletes. Resumes, analyses,
-- batches and emails are never pruned: they are the audit record.
CREATE INDEX tasks_succeeded_finished ON tasks (finished_at) WHERE state = 'succeeded';
CREATE INDEX tasks_discarded_finished ON tasks (finished_at) WHERE state = 'discarded';
CREATE INDEX upload_slots_settled ON upload_slots (updated_at) WHERE state IN ('received', 'rejected', 'expired');
