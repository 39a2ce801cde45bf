-- The spend of an organisation and of each of its jobs (GET /api/v1/spend,
-- a job's budget): sums over the organisation's analyses, or one job's.
-- With this index each is one range of (org_id, job_id) read by an
-- index-only scan, under a custom plan and the generic one alike; without
-- it the generic plan read the whole table (every organisation's rows).
CREATE INDEX analyses_org_spend ON analyses (org_id, job_id)
    INCLUDE (cost_usd, cost_known, provider, cache_hit, prompt_tokens, completion_tokens, model);
