-- The audit trail of human actions: who (a user, an API key, or both when a
-- user's key was used) did what to which job, candidate or emails, when, in
-- which request. Rows are written in the transaction of the action they
-- record and never change: a trigger refuses UPDATE, DELETE and TRUNCATE.
-- No foreign keys, so removing an organisation, job or candidate leaves
-- their trail (the subject ids are plain numbers).
CREATE TABLE audit_events (
    id             bigserial PRIMARY KEY,
    created_at     timestamptz NOT NULL DEFAULT now(),
    org_id         bigint NOT NULL,
    actor_user_id  bigint,
    actor_key_id   bigint,
    action         text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    job_id         bigint,
    resume_id      bigint,
    email_ids      bigint[],
    request_id     text NOT NULL DEFAULT '' CHECK (length(request_id) <= 64),
    details        jsonb NOT NULL DEFAULT '{}'::jsonb,
    CHECK (actor_user_id IS NOT NULL OR actor_key_id IS NOT NULL)
);
-- The organisation's trail newest first, of one job, and of one candidate.
CREATE INDEX audit_events_org ON audit_events (org_id, id DESC);
CREATE INDEX audit_events_job ON audit_events (org_id, job_id, id DESC) WHERE job_id IS NOT NULL;
CREATE INDEX audit_events_resume ON audit_events (org_id, resume_id, id DESC) WHERE resume_id IS NOT NULL;

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
