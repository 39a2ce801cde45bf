-- Work made for a job ahead of its first upload or email (warming): one row
-- per job and kind of preparation (company details, email templates, and any
-- later kind), saying whether it is pending, ready or failed and why. The
-- drainer does the work (the web request only enqueues it); job_updated_at is
-- the version of the job the row is about, so an edit of the job makes the
-- row pending again and a task for an older version changes nothing.
CREATE TABLE job_prep (
    job_id          bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    org_id          bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (length(kind) BETWEEN 1 AND 60),
    state           text NOT NULL CHECK (state IN ('pending', 'ready', 'failed')),
    reason          text,
    job_updated_at  timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, kind)
);

-- Who wrote a stored template: a person ('edited') or the LLM ('llm'). The
-- LLM's draft never replaces a person's edit.
ALTER TABLE email_templates ADD COLUMN source text NOT NULL DEFAULT 'edited'
    CHECK (source IN ('edited', 'llm'));
