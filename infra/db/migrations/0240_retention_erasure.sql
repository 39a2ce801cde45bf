-- The audit trail made complete, retention, erasure and legal holds.
--
-- Automated decisions join the trail: every analysis written appends an
-- 'analysis.recorded' event (provider, model, prompt and rubric versions,
-- hashes of the inputs, score, category) in the same transaction, by the
-- trigger below, so no writer can forget it. Such events have no user or
-- key: actor_system names the part of the service that acted.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_check;
ALTER TABLE audit_events
    ADD COLUMN actor_system text CHECK (actor_system IN ('scorer', 'retention')),
    ADD COLUMN redacted_at  timestamptz;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_actor
    CHECK (actor_user_id IS NOT NULL OR actor_key_id IS NOT NULL OR actor_system IS NOT NULL);
CREATE INDEX audit_events_created ON audit_events (created_at, id);

-- Still append-only, with two exceptions the database itself checks:
--  * the retention sweep deletes rows older than their organisation's
--    audit_retention_months, and only while shortlist.audit_sweep is 'on'
--    in its own transaction;
--  * erasing a candidate replaces the personal data in the details of
--    that candidate's events (shortlist.audit_redact 'on'): only details
--    and redacted_at may change, once.
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('shortlist.audit_sweep', true) = 'on'
       AND OLD.created_at < now() - make_interval(months => (SELECT o.audit_retention_months
                                                             FROM organisations o WHERE o.id = OLD.org_id)) THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND current_setting('shortlist.audit_redact', true) = 'on' AND OLD.redacted_at IS NULL
       AND NEW.redacted_at IS NOT NULL
       AND (NEW.id, NEW.created_at, NEW.org_id, NEW.actor_user_id, NEW.actor_key_id, NEW.actor_system, NEW.action,
            NEW.job_id, NEW.resume_id, NEW.email_ids, NEW.request_id)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.created_at, OLD.org_id, OLD.actor_user_id, OLD.actor_key_id, OLD.actor_system, OLD.action,
            OLD.job_id, OLD.resume_id, OLD.email_ids, OLD.request_id) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

-- Retention, per organisation: a closed job's candidates are erased this
-- many months after it closed; audit events are kept this many months (at
-- least six, the EU AI Act's floor; 48 by default, California's four years).
ALTER TABLE organisations
    ADD COLUMN retention_months       integer NOT NULL DEFAULT 24 CHECK (retention_months BETWEEN 1 AND 120),
    ADD COLUMN audit_retention_months integer NOT NULL DEFAULT 48 CHECK (audit_retention_months BETWEEN 6 AND 240);
CREATE INDEX jobs_closed ON jobs (closed_at, id) WHERE status = 'closed';

-- A legal hold on a job or on one candidate stops both the sweep and any
-- erasure until it is released.
CREATE TABLE legal_holds (
    id           bigserial PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    job_id       bigint REFERENCES jobs(id) ON DELETE CASCADE,
    resume_id    bigint REFERENCES resumes(id) ON DELETE CASCADE,
    reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    created_by   bigint,
    created_key  bigint,
    created_at   timestamptz NOT NULL DEFAULT now(),
    released_at  timestamptz,
    CHECK ((job_id IS NULL) <> (resume_id IS NULL))
);
CREATE INDEX legal_holds_active ON legal_holds (org_id, job_id, resume_id) WHERE released_at IS NULL;

-- The LLM cache entry an analysis came from or went to, so erasure can
-- remove it from memcached (its key is a hash of the masked resume text).
ALTER TABLE analyses ADD COLUMN llm_cache_key text CHECK (llm_cache_key ~ '^[0-9a-f]{64}$');

CREATE FUNCTION analyses_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_events (org_id, actor_system, action, job_id, resume_id, request_id, details)
    SELECT NEW.org_id, 'scorer', 'analysis.recorded', NEW.job_id, NEW.resume_id,
           COALESCE((SELECT t.request_id FROM tasks t WHERE t.kind = 'process_resume' AND t.resume_id = NEW.resume_id
                     ORDER BY t.id DESC LIMIT 1), ''),
           jsonb_build_object('analysis_id', NEW.id, 'provider', NEW.provider, 'model', NEW.model,
                              'prompt_version', NEW.prompt_version, 'rubric_version', NEW.rubric_version,
                              'score', NEW.score, 'category', NEW.category, 'cache_hit', NEW.cache_hit,
                              'inputs', jsonb_build_object(
                                  'file_sha256', r.sha256,
                                  'text_sha256', CASE WHEN r.text IS NULL THEN NULL
                                                      ELSE encode(sha256(convert_to(r.text, 'UTF8')), 'hex') END,
                                  'rubric_sha256', CASE WHEN j.rubric IS NULL THEN NULL
                                                        ELSE encode(sha256(convert_to(j.rubric::text, 'UTF8')), 'hex') END,
                                  'job_sha256', encode(sha256(convert_to(j.description, 'UTF8')), 'hex')))
    FROM resumes r JOIN jobs j ON j.id = r.job_id WHERE r.id = NEW.resume_id;
    RETURN NULL;
END $$;
CREATE TRIGGER analyses_audit AFTER INSERT ON analyses FOR EACH ROW EXECUTE FUNCTION analyses_audit();
