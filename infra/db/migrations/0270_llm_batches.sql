-- The OpenAI Batch API path: a job may send its scoring calls as provider
-- batches (half the price, answered within 24 h) instead of one call each.

-- Whether the job's resumes are scored through provider batches.
ALTER TABLE jobs ADD COLUMN llm_batch boolean NOT NULL DEFAULT false;

-- One provider batch. state: collecting (taking requests), uploading (its
-- JSONL is being sent; input_file_id is set once the file is there),
-- submitted (provider_batch_id set; polled), done (every request settled).
-- The tag names it in the batch's metadata, so a drainer that died after
-- creating it finds it again from its input file.
CREATE TABLE llm_batches (
    id                 bigserial PRIMARY KEY,
    org_id             bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    job_id             bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    state              text NOT NULL DEFAULT 'collecting'
                       CHECK (state IN ('collecting', 'uploading', 'submitted', 'done')),
    model              text NOT NULL,
    input_file_id      text,
    provider_batch_id  text,
    provider_status    text,
    output_file_id     text,
    error_file_id      text,
    requests           integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
-- At most one batch of a job takes requests at a time.
CREATE UNIQUE INDEX llm_batches_collecting ON llm_batches (job_id) WHERE state = 'collecting';

-- One scoring request in a provider batch. state: waiting (sent or to be
-- sent), answered (its answer is in status_code and response, to be ingested
-- by the resume's task), returned (no usable answer: the resume goes the
-- synchronous way), ingested (its analysis is recorded). The body is the
-- synchronous call's, byte for byte; the resume's task extracts and masks the
-- text again to check the answer's evidence against what was sent.
CREATE TABLE llm_batch_items (
    id            bigserial PRIMARY KEY,
    batch_id      bigint NOT NULL REFERENCES llm_batches(id) ON DELETE CASCADE,
    org_id        bigint NOT NULL,
    resume_id     bigint NOT NULL REFERENCES resumes(id) ON DELETE CASCADE,
    task_id       bigint NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    hold_attempt  integer NOT NULL,
    custom_id     text NOT NULL,
    body          text NOT NULL,
    state         text NOT NULL DEFAULT 'waiting'
                  CHECK (state IN ('waiting', 'answered', 'returned', 'ingested')),
    status_code   integer,
    response      text,
    reason        text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- A resume is in at most one batch at a time, and once back on the synchronous path it is not batched again.
CREATE UNIQUE INDEX llm_batch_items_resume ON llm_batch_items (resume_id);
CREATE UNIQUE INDEX llm_batch_items_custom ON llm_batch_items (batch_id, custom_id);
CREATE INDEX llm_batch_items_task ON llm_batch_items (task_id);
