-- The candidate notice (NYC Local Law 144, EU AI Act Art. 26(11)): with
-- the organisation's setting on, each candidate whose resume gives an
-- email address gets one acknowledgement (emails kind 'notice', never two:
-- the table's UNIQUE (job_id, resume_id, kind)) saying that an automated
-- tool assists the screening, what it looks at, and how to ask for a human
-- review or another process, through a signed link.
ALTER TABLE organisations ADD COLUMN candidate_notice boolean NOT NULL DEFAULT false;
ALTER TABLE emails DROP CONSTRAINT emails_kind_check;
ALTER TABLE emails ADD CONSTRAINT emails_kind_check CHECK (kind IN ('invite', 'consider', 'reject', 'notice'));

-- What a candidate asked for through the link: one request per candidate.
CREATE TABLE review_requests (
    resume_id   bigint PRIMARY KEY REFERENCES resumes(id) ON DELETE CASCADE,
    org_id      bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    job_id      bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('human_review', 'alternative_process')),
    message     text NOT NULL DEFAULT '' CHECK (length(message) <= 1000),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The candidate acts without a user, a key or a system actor (0240): such
-- events are the candidate.* actions.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_actor;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_actor
    CHECK (actor_user_id IS NOT NULL OR actor_key_id IS NOT NULL OR actor_system IS NOT NULL
           OR action LIKE 'candidate.%');
