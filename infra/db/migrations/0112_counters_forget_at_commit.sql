-- A deleted organisation, job or batch forgets its counters at commit, not
-- at once: the rows its deletion cascades to (resumes, analyses, tasks,
-- emails) are deleted after the parent's own AFTER trigger has run, and
-- their triggers would leave negative counters behind for a scope that no
-- longer exists. A deferred constraint trigger runs once every cascade of
-- the transaction is done.
DROP TRIGGER counters_forget ON batches;
DROP TRIGGER counters_forget ON jobs;
DROP TRIGGER counters_forget ON organisations;
CREATE CONSTRAINT TRIGGER counters_forget AFTER DELETE ON batches DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION counters_forget('batch');
CREATE CONSTRAINT TRIGGER counters_forget AFTER DELETE ON jobs DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION counters_forget('job');
CREATE CONSTRAINT TRIGGER counters_forget AFTER DELETE ON organisations DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION counters_forget('org');
-- What earlier deletions left behind.
DELETE FROM counters c WHERE (c.scope = 'org' AND NOT EXISTS (SELECT 1 FROM organisations o WHERE o.id = c.scope_id))
    OR (c.scope = 'job' AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = c.scope_id))
    OR (c.scope = 'batch' AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = c.scope_id));
