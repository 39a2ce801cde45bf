-- The operations report's index on an organisation's analyses by time
-- (0160) also offered itself for org_id = $1 alone, and the ranked list's
-- generic plan then combined it with another index and sorted, instead of
-- reading the ranked-list index in order (tests/t0805). Made partial on a
-- predicate only a time condition implies (every strict comparison of
-- created_at implies it is not null), it serves the report and nothing
-- else.
DROP INDEX analyses_org_created;
CREATE INDEX analyses_org_created ON analyses (org_id, created_at)
    INCLUDE (id, resume_id, category, cost_usd, prompt_tokens, completion_tokens)
    WHERE created_at IS NOT NULL;
