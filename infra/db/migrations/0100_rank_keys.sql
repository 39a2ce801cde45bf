-- The ranked list, and the other keyset lists, in index order.
--
-- rank_key is the position of an analysis in its job's ranking, as one
-- integer the index sorts ascending: the group (0 scored, 1 needs_review,
-- 2 failed) times 20000, plus 10000 minus the score in hundredths (no score
-- counts as -1.00). Ties go by resume_id. It is generated from the row, so no
-- writer has to maintain it, and a rescore, which writes a new analysis row,
-- gives the candidate a new key without changing the old row's.
ALTER TABLE analyses ADD COLUMN rank_key integer NOT NULL GENERATED ALWAYS AS (
    (CASE category WHEN 'needs_review' THEN 1 WHEN 'failed' THEN 2 ELSE 0 END) * 20000
    + 10000 - COALESCE(round(score * 100)::integer, -100)) STORED;

-- A page of the whole ranking, and of one category (the group is constant
-- within a category, so rank_key orders it too).
CREATE INDEX analyses_rank_key ON analyses (job_id, rank_key, resume_id) WHERE is_current;
CREATE INDEX analyses_rank_category ON analyses (job_id, category, rank_key, resume_id) WHERE is_current;
DROP INDEX analyses_rank;
-- Whether a job's ranking changed since a pass through its pages began (its
-- newest current analysis), and what each resume's analysis was then.
CREATE INDEX analyses_job_newest ON analyses (job_id, id) WHERE is_current;
CREATE INDEX analyses_resume_history ON analyses (resume_id, id);

-- The keys list, newest first.
CREATE INDEX api_keys_org_id ON api_keys (org_id, id DESC);
DROP INDEX api_keys_org;
-- The emails list filtered by state only (by job, and by job and state, have
-- emails_org_job and emails_job_state).
CREATE INDEX emails_org_state ON emails (org_id, state, id DESC);
