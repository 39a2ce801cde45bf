-- A candidate's detail counts the resume's earlier analyses (NOT is_current):
-- neither partial index of analyses covers them, so under a generic plan the
-- count read the whole table (found by tests/t0800-plans.sh).
CREATE INDEX analyses_resume_history ON analyses (resume_id) WHERE NOT is_current;
