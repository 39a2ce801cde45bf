-- Which emails were actually sent: the send request is a person's action
-- (emails.send_requested); the delivery is the mailer's, recorded by this
-- trigger in the transaction that marks the email sent ('email.sent', actor
-- 'mailer'). The details name the email's kind and the relay's code, no
-- address and no body.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_actor_system_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_actor_system_check
    CHECK (actor_system IN ('scorer', 'retention', 'mailer'));

CREATE FUNCTION emails_audit_sent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_events (org_id, actor_system, action, job_id, resume_id, email_ids, details)
    VALUES (NEW.org_id, 'mailer', 'email.sent', NEW.job_id, NEW.resume_id, ARRAY[NEW.id],
            jsonb_build_object('kind', NEW.kind, 'smtp_code', NEW.smtp_code, 'attempts', NEW.attempts));
    RETURN NULL;
END $$;
CREATE TRIGGER emails_audit_sent AFTER UPDATE OF state ON emails
    FOR EACH ROW WHEN (NEW.state = 'sent' AND OLD.state IS DISTINCT FROM 'sent')
    EXECUTE FUNCTION emails_audit_sent();
