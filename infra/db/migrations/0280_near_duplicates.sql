-- Near-duplicate resumes (score/neardup.h): each extracted resume's SimHash,
-- cut into eight 8-bit bands with an index each so that a look-up of the
-- fingerprints sharing a band with a new one is eight index ranges, and the
-- links between two resumes of one organisation found that way. A link only
-- shows that two resumes look alike: neither is merged into the other and
-- each keeps its own analyses. Both kinds of row go with either resume
-- (erasure deletes the resume rows, and these cascade).
CREATE TABLE resume_fingerprints (
    resume_id   bigint PRIMARY KEY REFERENCES resumes(id) ON DELETE CASCADE,
    org_id      bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    simhash     bigint NOT NULL,
    words       integer NOT NULL CHECK (words >= 0),
    name_key    text NOT NULL DEFAULT '',
    b0 smallint NOT NULL CHECK (b0 BETWEEN 0 AND 255),
    b1 smallint NOT NULL CHECK (b1 BETWEEN 0 AND 255),
    b2 smallint NOT NULL CHECK (b2 BETWEEN 0 AND 255),
    b3 smallint NOT NULL CHECK (b3 BETWEEN 0 AND 255),
    b4 smallint NOT NULL CHECK (b4 BETWEEN 0 AND 255),
    b5 smallint NOT NULL CHECK (b5 BETWEEN 0 AND 255),
    b6 smallint NOT NULL CHECK (b6 BETWEEN 0 AND 255),
    b7 smallint NOT NULL CHECK (b7 BETWEEN 0 AND 255),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX resume_fingerprints_b0 ON resume_fingerprints (org_id, b0);
CREATE INDEX resume_fingerprints_b1 ON resume_fingerprints (org_id, b1);
CREATE INDEX resume_fingerprints_b2 ON resume_fingerprints (org_id, b2);
CREATE INDEX resume_fingerprints_b3 ON resume_fingerprints (org_id, b3);
CREATE INDEX resume_fingerprints_b4 ON resume_fingerprints (org_id, b4);
CREATE INDEX resume_fingerprints_b5 ON resume_fingerprints (org_id, b5);
CREATE INDEX resume_fingerprints_b6 ON resume_fingerprints (org_id, b6);
CREATE INDEX resume_fingerprints_b7 ON resume_fingerprints (org_id, b7);

-- One link per pair, the older resume first.
CREATE TABLE resume_links (
    org_id      bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    resume_a    bigint NOT NULL REFERENCES resumes(id) ON DELETE CASCADE,
    resume_b    bigint NOT NULL REFERENCES resumes(id) ON DELETE CASCADE,
    distance    smallint NOT NULL CHECK (distance BETWEEN 0 AND 64),
    diff        jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (resume_a, resume_b),
    CHECK (resume_a < resume_b)
);
CREATE INDEX resume_links_b ON resume_links (resume_b);
