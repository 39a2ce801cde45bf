-- Cost governance: a per-job budget, spend whose price is unknown kept apart,
-- the reservations of work in flight, and resumes waiting for budget.

-- The job's budget in US dollars; NULL: none.
ALTER TABLE jobs ADD COLUMN budget_usd numeric(12,6) CHECK (budget_usd >= 0 AND budget_usd <= 1000000);

-- Whether cost_usd is the call's price: false when the model had no entry in
-- the price table (cost_usd is then 0 and is not a price).
ALTER TABLE analyses ADD COLUMN cost_known boolean NOT NULL DEFAULT true;

-- A resume whose scoring would go beyond its job's budget waits; its task stays queued.
ALTER TABLE resumes DROP CONSTRAINT resumes_status_check;
ALTER TABLE resumes ADD CONSTRAINT resumes_status_check
    CHECK (status IN ('queued', 'processing', 'scored', 'needs_review', 'failed', 'pending_budget'));

-- What a running task may spend at most, taken before its LLM call under the
-- job's row lock. A hold counts only while its task is running under the
-- same attempt: a finished task's cost is in analyses, a requeued one spends
-- nothing, so a hold left behind by a crash counts for nothing.
CREATE TABLE budget_holds (
    task_id     bigint PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
    job_id      bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    attempt     integer NOT NULL,
    microusd    bigint NOT NULL CHECK (microusd >= 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX budget_holds_job ON budget_holds (job_id);
CREATE INDEX resumes_pending_budget ON resumes (job_id) WHERE status = 'pending_budget';

-- Batch status shows a resume waiting for budget as pending_budget (its task is queued).
CREATE OR REPLACE FUNCTION batch_items_compute(p_batch bigint[], p_resume bigint[])
RETURNS TABLE (batch_id bigint, resume_id bigint, state text, category text, fin timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT p.b, p.r,
           CASE WHEN r.id IS NULL OR (r.batch_id IS DISTINCT FROM p.b AND t.state IS NULL) THEN NULL
                WHEN t.state = 'discarded' THEN 'failed'
                WHEN t.state = 'queued' AND r.status = 'pending_budget' THEN 'pending_budget'
                WHEN t.state = 'queued' THEN 'queued'
                WHEN t.state = 'running' THEN 'processing'
                WHEN t.state = 'succeeded' AND a.category IN ('shortlist', 'consider', 'reject') THEN 'scored'
                WHEN t.state = 'succeeded' AND a.category IS NOT NULL THEN a.category ELSE r.status END,
           CASE WHEN t.state = 'succeeded' THEN a.category END,
           COALESCE(t.finished_at, r.updated_at)
      FROM (SELECT DISTINCT u.b, u.r FROM unnest(p_batch, p_resume) u(b, r)
             WHERE u.b IS NOT NULL AND u.r IS NOT NULL) p
      LEFT JOIN resumes r ON r.id = p.r
      LEFT JOIN LATERAL (SELECT t.state, t.finished_at FROM tasks t
                          WHERE t.kind = 'process_resume' AND t.batch_id = p.b AND t.resume_id = p.r
                          ORDER BY t.batch_id DESC, t.resume_id DESC, t.id DESC LIMIT 1) t ON r.id IS NOT NULL
      LEFT JOIN analyses a ON a.resume_id = p.r AND a.is_current
$$;
