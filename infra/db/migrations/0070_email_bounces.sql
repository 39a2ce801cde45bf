-- Bounces and complaints that arrive after the relay said 250: from SES
-- through SNS, or as delivery status notifications to the return path.
-- A permanent bounce makes an email 'bounced', a complaint 'complained'; a
-- transient bounce leaves its state and records why.
ALTER TABLE emails DROP CONSTRAINT emails_state_check;
ALTER TABLE emails ADD CONSTRAINT emails_state_check
    CHECK (state IN ('queued', 'sending', 'sent', 'retrying', 'failed', 'bounced', 'complained'));
ALTER TABLE emails
    ADD COLUMN bounced_at     timestamptz,
    ADD COLUMN bounce_type    text CHECK (bounce_type IN ('permanent', 'transient', 'complaint')),
    ADD COLUMN bounce_detail  text CHECK (length(bounce_detail) <= 1000);

-- Where a suppression came from (a refusal during SMTP, a later bounce, a
-- complaint) and the email that caused it.
ALTER TABLE email_suppressions
    ADD COLUMN source    text NOT NULL DEFAULT 'smtp' CHECK (source IN ('smtp', 'bounce', 'complaint')),
    ADD COLUMN email_id  bigint REFERENCES emails(id) ON DELETE SET NULL;
