-- Dashboards: the indexes the job summary and the operations page read, so
-- that neither reads a table beyond the rows it counts (tests/t0800-plans.sh).

-- A job's resumes by state: counted from the index alone.
CREATE INDEX resumes_job_status ON resumes (job_id, status);
-- A job's LLM spend over every analysis it had (rescores too): summed from
-- the index alone.
CREATE INDEX analyses_job_spend ON analyses (job_id) INCLUDE (cost_usd, prompt_tokens, completion_tokens, cache_hit);
-- An organisation's analyses by time (throughput, errors, latency, spend per
-- hour and day): one range of the index per window.
CREATE INDEX analyses_org_created ON analyses (org_id, created_at)
    INCLUDE (id, resume_id, category, cost_usd, prompt_tokens, completion_tokens);
-- An organisation's emails by when they were sent, or failed for good.
CREATE INDEX emails_org_done ON emails (org_id, (COALESCE(sent_at, updated_at)))
    WHERE state IN ('sent', 'failed', 'bounced', 'complained');
-- An organisation's unfinished tasks by kind and state (the queue now).
CREATE INDEX tasks_org_active ON tasks (org_id, kind, state) WHERE state IN ('queued', 'running');
