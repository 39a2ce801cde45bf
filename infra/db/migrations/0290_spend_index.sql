-- The spend of an organisation and of each of its jobs (GET /api/v1/spend,
-- a job's budget): sums over the organisation's analyses, or one job's.
-- With this index the organisation's spend is one range of org_id read by
-- an index-only scan, under a custom plan and the generic one alike;
-- without it the generic plan read the whole table (every organisation's
-- rows). job_id is carried, not a key: keyed (org_id, job_id), the index
-- would be a generic plan's choice for the ranked list of a job, which
-- must read analyses_rank_key in its order instead (t0805). For the same
-- reason it is partial on cost_usd >= 0, which every row meets (a cost is
-- never negative) but which only the spend statements say: keyed on org_id
-- alone it still became one side of a BitmapAnd in the ranked list's
-- generic plan.
CREATE INDEX analyses_org_spend ON analyses (org_id)
    INCLUDE (job_id, cost_usd, cost_known, provider, cache_hit, prompt_tokens, completion_tokens, model)
    WHERE cost_usd >= 0;
