-- Human oversight. The scorer's category is a recommendation; a recruiter's
-- decision (one per candidate, with a reason) overrides it in the ranked
-- list and its category filter. A rescore writes a new analysis and never
-- touches a decision.
CREATE TABLE decisions (
    resume_id      bigint PRIMARY KEY REFERENCES resumes(id) ON DELETE CASCADE,
    org_id         bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    job_id         bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    category       text NOT NULL CHECK (category IN ('shortlist', 'consider', 'reject', 'needs_review')),
    reason         text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    user_id        bigint REFERENCES users(id) ON DELETE SET NULL,
    key_id         bigint REFERENCES api_keys(id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- The decision in force, mirrored on the candidate's analyses so the stored
-- sort key can follow it: set by the triggers below, never by a writer. A
-- new analysis (a rescore) takes the decision of its resume.
ALTER TABLE analyses ADD COLUMN decision text;

CREATE FUNCTION analyses_take_decision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.decision := (SELECT d.category FROM decisions d WHERE d.resume_id = NEW.resume_id);
    RETURN NEW;
END $$;
CREATE TRIGGER analyses_take_decision BEFORE INSERT ON analyses
    FOR EACH ROW EXECUTE FUNCTION analyses_take_decision();

CREATE FUNCTION decisions_mirror() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE analyses SET decision = NULL WHERE resume_id = OLD.resume_id AND decision IS NOT NULL;
        RETURN OLD;
    END IF;
    UPDATE analyses SET decision = NEW.category
        WHERE resume_id = NEW.resume_id AND decision IS DISTINCT FROM NEW.category;
    RETURN NEW;
END $$;
CREATE TRIGGER decisions_mirror AFTER INSERT OR UPDATE OR DELETE ON decisions
    FOR EACH ROW EXECUTE FUNCTION decisions_mirror();

-- The category the list shows and filters by: the decision when there is
-- one, else the recommendation. rank_key (migration 0100) is remade on it:
-- the same formula, with the shown category's group.
ALTER TABLE analyses DROP COLUMN rank_key;
ALTER TABLE analyses ADD COLUMN shown_category text NOT NULL
    GENERATED ALWAYS AS (COALESCE(decision, category)) STORED;
ALTER TABLE analyses ADD COLUMN rank_key integer NOT NULL GENERATED ALWAYS AS (
    (CASE COALESCE(decision, category) WHEN 'needs_review' THEN 1 WHEN 'failed' THEN 2 ELSE 0 END) * 20000
    + 10000 - COALESCE(round(score * 100)::integer, -100)) STORED;
CREATE INDEX analyses_rank_key ON analyses (job_id, rank_key, resume_id) WHERE is_current;
CREATE INDEX analyses_rank_category ON analyses (job_id, shown_category, rank_key, resume_id) WHERE is_current;
