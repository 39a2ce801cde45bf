-- A page of candidates, and each candidate opened, reads its resumes'
-- near-duplicate links with an array of ids as the parameter. PostgreSQL
-- kept planning that statement anew on every call, a custom plan looking
-- cheaper than the generic one: 0.4 ms of planning for 0.015 ms of
-- execution, and the largest single cost of the mixed load on PostgreSQL
-- (pg_stat_statements, scripts/bench-users at 500 users). As a PL/pgSQL
-- function with the generic plan (the same index lookups, t1081 checks
-- them) each server connection keeps one plan. Its body refers to its
-- arguments as $1 and $2 so that t1081 can plan the statement as it is.
CREATE FUNCTION resume_links_of(p_org bigint, p_resumes bigint[])
RETURNS TABLE (resume_a bigint, resume_b bigint, distance smallint, diff text, created_at timestamptz,
               job_a bigint, job_b bigint)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN QUERY
        SELECT l.resume_a, l.resume_b, l.distance, l.diff::text, l.created_at, ra.job_id, rb.job_id
          FROM resume_links l JOIN resumes ra ON ra.id = l.resume_a JOIN resumes rb ON rb.id = l.resume_b
         WHERE l.org_id = $1 AND (l.resume_a = ANY ($2) OR l.resume_b = ANY ($2));
END $$;
