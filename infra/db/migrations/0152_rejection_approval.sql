-- Rejection emails may need a second person: with the setting on, a
-- requested rejection waits for another user of the organisation.
ALTER TABLE organisations ADD COLUMN require_rejection_approval boolean NOT NULL DEFAULT false;
ALTER TABLE emails DROP CONSTRAINT emails_state_check;
ALTER TABLE emails ADD CONSTRAINT emails_state_check
    CHECK (state IN ('awaiting_approval', 'queued', 'sending', 'sent', 'retrying', 'failed', 'bounced', 'complained'));
ALTER TABLE emails
    ADD COLUMN requested_by_user  bigint,
    ADD COLUMN requested_by_key   bigint,
    ADD COLUMN approved_by_user   bigint,
    ADD COLUMN approved_at        timestamptz;
CREATE INDEX emails_awaiting ON emails (org_id, job_id, id) WHERE state = 'awaiting_approval';
