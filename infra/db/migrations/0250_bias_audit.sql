-- Bias audit (NYC Local Law 144): a candidate's self-reported sex and
-- race/ethnicity, in the categories of the law's rules (those of the EEO-1
-- report), kept in their own table, apart from the resume and its text:
-- nothing that builds a scorer's input reads it. Only admins read or write
-- it through the API; the audit report counts it, never lists it.
CREATE TABLE candidate_demographics (
    resume_id       bigint PRIMARY KEY REFERENCES resumes(id) ON DELETE CASCADE,
    org_id          bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    job_id          bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    sex             text CHECK (sex IN ('male', 'female')),
    race_ethnicity  text CHECK (race_ethnicity IN ('hispanic_or_latino', 'white', 'black_or_african_american',
                        'native_hawaiian_or_pacific_islander', 'asian', 'native_american_or_alaska_native',
                        'two_or_more_races')),
    reported_by     text NOT NULL CHECK (reported_by IN ('admin', 'candidate')),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX candidate_demographics_job ON candidate_demographics (org_id, job_id);

-- The blind view: with it on, recruiters see no candidate's name or contact
-- details until the candidate is shortlisted; admins always do.
ALTER TABLE organisations ADD COLUMN blind_view boolean NOT NULL DEFAULT false;
