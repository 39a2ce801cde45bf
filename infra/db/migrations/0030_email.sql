-- Email: per-job company details and templates, and what the outbox sender
-- needs beyond the first schema (claim identity, error text, delivery doubts).

-- Company details of a job, as extracted from it (source 'local') or as
-- edited by a recruiter ('edited'). A 'local' row is remade when the job
-- changes after it was made (job_updated_at); an edited one is kept.
CREATE TABLE job_company (
    job_id          bigint PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    org_id          bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    company         text NOT NULL DEFAULT '',
    position        text NOT NULL DEFAULT '',
    department      text NOT NULL DEFAULT '',
    location        text NOT NULL DEFAULT '',
    skills          jsonb NOT NULL DEFAULT '[]'::jsonb,
    source          text NOT NULL CHECK (source IN ('local', 'llm', 'edited')),
    job_updated_at  timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Templates a recruiter edited; a kind without a row uses the built-in default.
CREATE TABLE email_templates (
    job_id      bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    org_id      bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('invite', 'consider', 'reject')),
    subject     text NOT NULL,
    body_text   text NOT NULL,
    body_html   text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, kind)
);

-- The claim of a sending row is (id, locked_by, attempts): a sender whose
-- lease was rescued can no longer record a result. uncertain counts attempts
-- that may have delivered without the sender knowing (connection lost after
-- the data, or a sender that died mid-send and was rescued): the only places
-- a candidate can receive the same message (same Message-ID) twice.
ALTER TABLE emails
    ADD COLUMN locked_by   text,
    ADD COLUMN last_error  text,
    ADD COLUMN uncertain   integer NOT NULL DEFAULT 0;
-- Rescue finds sending rows whose lease ran out.
CREATE INDEX emails_leases ON emails (lease_until) WHERE state = 'sending';
-- A job's emails newest first (listing filtered by job).
CREATE INDEX emails_org_job ON emails (org_id, job_id, id DESC);
