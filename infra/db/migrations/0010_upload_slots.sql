-- Presigned upload slots: one row per presigned PUT URL handed out, so an S3
-- event for a key can be traced back to the organisation, job and file name
-- it was issued for. The key is the only link: nothing is read from its text.

CREATE TABLE upload_slots (
    id             bigserial PRIMARY KEY,
    upload_id      text NOT NULL UNIQUE CHECK (upload_id ~ '^[0-9a-f]{32}$'),
    org_id         bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    job_id         bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    -- The batch of the request that asked for the slot: its uploads are tracked together.
    batch_id       bigint REFERENCES batches(id) ON DELETE SET NULL,
    s3_key         text NOT NULL UNIQUE,
    filename       text NOT NULL,
    content_type   text,
    declared_size  bigint CHECK (declared_size >= 0),
    expires_at     timestamptz NOT NULL,
    state          text NOT NULL DEFAULT 'issued' CHECK (state IN ('issued', 'received', 'rejected')),
    reason         text,
    resume_id      bigint REFERENCES resumes(id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX upload_slots_job ON upload_slots (job_id, id);
-- Slots never used, by age, for a sweeper to find.
CREATE INDEX upload_slots_unused ON upload_slots (expires_at) WHERE state = 'issued';
