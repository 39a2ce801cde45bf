-- A job's rubric, versioned: every change (the local derivation, the LLM's
-- criteria, a recruiter's edit, a rubric given with the job) is a new row
-- numbered from 1 within the job, with its source. suggested names the
-- criteria proposed by the LLM or the local derivation that no recruiter has
-- changed since. jobs.rubric and jobs.rubric_version stay the rubric in
-- force (what the scorer reads); jobs.rubric_number names its row here and
-- jobs.rubric_state says whether it is provisional (the local derivation,
-- while the LLM's criteria are being asked for) or settled.
CREATE TABLE rubric_versions (
    id              bigserial PRIMARY KEY,
    org_id          bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    job_id          bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    number          integer NOT NULL CHECK (number >= 1),
    source          text NOT NULL CHECK (source IN ('local', 'llm', 'recruiter', 'given')),
    rubric          jsonb NOT NULL,
    rubric_version  text NOT NULL,
    suggested       jsonb NOT NULL DEFAULT '[]'::jsonb,
    note            text NOT NULL DEFAULT '',
    created_by      bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job_id, number)
);

ALTER TABLE jobs ADD COLUMN rubric_number integer;
ALTER TABLE jobs ADD COLUMN rubric_state text NOT NULL DEFAULT 'ready'
    CHECK (rubric_state IN ('ready', 'provisional'));

-- Jobs made before versioning: their rubric in force becomes version 1.
-- A derived rubric's criteria are suggestions; a given one is the recruiter's.
INSERT INTO rubric_versions (org_id, job_id, number, source, rubric, rubric_version, suggested, created_by,
                             created_at)
SELECT org_id, id, 1, CASE WHEN spec ? 'rubric' THEN 'given' ELSE 'local' END, rubric, rubric_version,
       CASE WHEN spec ? 'rubric' THEN '[]'::jsonb
            ELSE COALESCE((SELECT jsonb_agg(c->'name') FROM jsonb_array_elements(rubric->'criteria') AS c),
                          '[]'::jsonb) END,
       created_by, created_at
  FROM jobs WHERE rubric IS NOT NULL AND rubric_version IS NOT NULL;
UPDATE jobs SET rubric_number = 1 WHERE rubric IS NOT NULL AND rubric_version IS NOT NULL;
