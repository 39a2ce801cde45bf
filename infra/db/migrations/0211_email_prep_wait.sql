-- An email asked for while its job's company details or templates are still
-- being prepared waits for them (not claimed by a sender) instead of going
-- out with the stand-ins: prep_values holds the values of its variables given
-- with the send request, and the drainer renders it again from the prepared
-- details and template, then clears the column, once the job's preparation is
-- no longer pending. NULL: the email does not wait.
ALTER TABLE emails ADD COLUMN prep_values jsonb;
CREATE INDEX emails_waiting_prep ON emails (job_id, id) WHERE prep_values IS NOT NULL;
