-- The first schema of the whole system: tenancy, jobs, resumes, analyses,
-- batches, the task queue and the email outbox.

CREATE TABLE organisations (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id          bigserial PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    email       text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    name        text NOT NULL DEFAULT '',
    role        text NOT NULL DEFAULT 'recruiter' CHECK (role IN ('admin', 'recruiter')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_org_email ON users (org_id, lower(email));

-- Only a SHA-256 of each key is stored: keys are 256-bit random values, so a
-- fast hash is enough (no password stretching needed) and lookups stay O(1).
CREATE TABLE api_keys (
    id            bigserial PRIMARY KEY,
    org_id        bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id       bigint REFERENCES users(id) ON DELETE CASCADE,
    prefix        text NOT NULL,
    key_hash      bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    name          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_keys_org ON api_keys (org_id);

CREATE TABLE jobs (
    id              bigserial PRIMARY KEY,
    org_id          bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    created_by      bigint REFERENCES users(id) ON DELETE SET NULL,
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description     text NOT NULL DEFAULT '',
    company         text NOT NULL DEFAULT '',
    location        text NOT NULL DEFAULT '',
    spec            jsonb NOT NULL DEFAULT '{}'::jsonb,  -- skills, knock-outs, thresholds, rubric as given
    rubric          jsonb,                               -- the rubric in force (given or derived)
    rubric_version  text,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    closed_at       timestamptz
);
-- Keyset pagination of an organisation's jobs, newest first.
CREATE INDEX jobs_org_id ON jobs (org_id, id DESC);

CREATE TABLE batches (
    id          bigserial PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    job_id      bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    source      text NOT NULL DEFAULT 'upload' CHECK (source IN ('upload', 'presigned', 'rescore')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX batches_job ON batches (job_id, id);

CREATE TABLE resumes (
    id              bigserial PRIMARY KEY,
    org_id          bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    job_id          bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    batch_id        bigint REFERENCES batches(id) ON DELETE SET NULL,
    s3_key          text NOT NULL UNIQUE,
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes      bigint NOT NULL CHECK (size_bytes >= 0),
    content_type    text NOT NULL,
    filename        text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'processing', 'scored', 'needs_review', 'failed')),
    status_reason   text,
    text            text,
    page_count      integer,
    contact         jsonb,
    flags           jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- The same bytes twice in one job are one resume.
CREATE UNIQUE INDEX resumes_job_sha256 ON resumes (job_id, sha256);
CREATE INDEX resumes_batch ON resumes (batch_id, status);
CREATE INDEX resumes_org_job ON resumes (org_id, job_id);

CREATE TABLE analyses (
    id                  bigserial PRIMARY KEY,
    org_id              bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    job_id              bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    resume_id           bigint NOT NULL REFERENCES resumes(id) ON DELETE CASCADE,
    is_current          boolean NOT NULL DEFAULT true,
    provider            text NOT NULL,
    model               text NOT NULL DEFAULT '',
    prompt_version      text NOT NULL DEFAULT '',
    rubric_version      text NOT NULL DEFAULT '',
    system_fingerprint  text,
    score               numeric(5,2) CHECK (score BETWEEN 0 AND 100),
    category            text NOT NULL
                        CHECK (category IN ('shortlist', 'consider', 'reject', 'needs_review', 'failed')),
    result              jsonb NOT NULL,
    prompt_tokens       integer NOT NULL DEFAULT 0,
    completion_tokens   integer NOT NULL DEFAULT 0,
    cost_usd            numeric(12,6) NOT NULL DEFAULT 0,
    cache_hit           boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now()
);
-- Exactly one current analysis per resume.
CREATE UNIQUE INDEX analyses_current ON analyses (resume_id) WHERE is_current;
-- The ranked shortlist of a job: current analyses by score.
CREATE INDEX analyses_rank ON analyses (job_id, score DESC, resume_id) WHERE is_current;

-- The queue. A task is claimed with FOR UPDATE SKIP LOCKED and leased.
CREATE TABLE tasks (
    id               bigserial PRIMARY KEY,
    org_id           bigint REFERENCES organisations(id) ON DELETE CASCADE,
    kind             text NOT NULL,
    payload          jsonb NOT NULL DEFAULT '{}'::jsonb,
    idempotency_key  text NOT NULL,
    priority         integer NOT NULL DEFAULT 0,
    state            text NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'running', 'succeeded', 'discarded')),
    run_at           timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    lease_until      timestamptz,
    locked_by        text,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    UNIQUE (kind, idempotency_key)
);
-- Claims read only queued rows in priority order.
CREATE INDEX tasks_claimable ON tasks (priority DESC, run_at, id) WHERE state = 'queued';
-- Rescue finds running tasks whose lease ran out.
CREATE INDEX tasks_leases ON tasks (lease_until) WHERE state = 'running';
-- The dead-letter set, per organisation.
CREATE INDEX tasks_discarded ON tasks (org_id, id) WHERE state = 'discarded';

-- The outbox. The Message-ID is fixed at enqueue time so a resend after a
-- lost connection carries the same identity.
CREATE TABLE emails (
    id               bigserial PRIMARY KEY,
    org_id           bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    job_id           bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    resume_id        bigint NOT NULL REFERENCES resumes(id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('invite', 'consider', 'reject')),
    to_address       text NOT NULL,
    to_name          text NOT NULL DEFAULT '',
    subject          text NOT NULL,
    body_text        text NOT NULL,
    body_html        text,
    message_id       text NOT NULL UNIQUE,
    priority         integer NOT NULL DEFAULT 0,
    state            text NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'sending', 'sent', 'retrying', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_until      timestamptz,
    smtp_code        integer,
    smtp_reply       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    UNIQUE (job_id, resume_id, kind)
);
CREATE INDEX emails_sendable ON emails (priority DESC, next_attempt_at, id) WHERE state IN ('queued', 'retrying');
CREATE INDEX emails_job_state ON emails (job_id, state, id);
CREATE INDEX emails_org ON emails (org_id, id DESC);

-- Addresses a relay refused permanently; nothing more is sent to them.
CREATE TABLE email_suppressions (
    org_id      bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    address     text NOT NULL,
    reason      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, address)
);
