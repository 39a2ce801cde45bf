-- Multipart uploads whose abort failed (S3 down, or a store that does not
-- implement AbortMultipartUpload): their parts would stay in the bucket
-- forever, so the drainer retries each abort with a capped, jittered backoff
-- until S3 confirms it (or answers that the upload is already gone).
CREATE TABLE pending_aborts (
    id bigserial PRIMARY KEY,
    s3_key text NOT NULL,
    upload_id text NOT NULL,
    first_failed_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 1,
    next_attempt_at timestamptz NOT NULL,
    last_error text NOT NULL DEFAULT '',
    UNIQUE (s3_key, upload_id)
);
CREATE INDEX pending_aborts_due ON pending_aborts (next_attempt_at);

-- When each periodic multipart chore (the sweep, a log line about a store
-- that cannot abort) may next run, shared by every drainer: the one that
-- moves next_at forward takes the turn.
CREATE TABLE multipart_chores (
    name text PRIMARY KEY,
    next_at timestamptz NOT NULL
);
