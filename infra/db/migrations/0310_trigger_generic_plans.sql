-- The counters' triggers and the batch items they keep (0130, 0225) run
-- their statements with arrays of ids as parameters. PostgreSQL planned
-- them anew on every call: a custom plan looked cheaper than the generic
-- one, whose estimates for unnest() of a parameter are a guess, yet the
-- generic plans are the same index lookups. Planning cost about 1 ms of
-- CPU per write of a resume or a task, four or more times per resume, and
-- was half of what PostgreSQL spent on uploads and their processing
-- (scripts/bench-users --mix "upload:100": 55% of a core before, 29%
-- after, at the same 57 resumes a second). Each call now keeps the generic
-- plan of its backend's first call.
-- A later CREATE OR REPLACE of one of these functions drops its setting
-- unless it says it again.
ALTER FUNCTION batch_items_sync(bigint[], bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION batch_items_sync_resumes(bigint[], bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION counters_jobs() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION counters_resumes() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION counters_tasks() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION counters_analyses() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION counters_emails() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION counters_llm_spend() SET plan_cache_mode = force_generic_plan;
