-- Counters kept with the rows, so batch progress, /stats and /metrics cost
-- the same at a hundred rows as at a million.
--
-- The design, and why (an earlier attempt with per-row triggers updating one
-- counter row per change was quadratic in bulk statements and serialised
-- drainers on hot rows):
--
-- * STATEMENT-level AFTER triggers with transition tables. Each statement
--   that changes jobs, resumes, analyses, tasks or emails aggregates its own
--   changes (GROUP BY scope and counter) and appends one delta row per
--   counter it moved to counter_deltas. A seed of 50,000 candidates or the
--   rescore of a big job is one statement and writes a few dozen delta rows,
--   not 50,000 updates of the same row.
-- * counter_deltas is append-only: no transaction updates a shared row, so
--   concurrent drainers never wait on one another's counter. A read sums the
--   rows of one scope through counter_deltas_scope.
-- * The drainer compacts (counters_compact): the oldest deltas are deleted
--   and their sums inserted again in one statement. Under READ COMMITTED
--   this is safe with concurrent writers and compactors: the DELETE takes
--   only committed rows it can lock, a row another compactor deleted first is
--   skipped (its sum is re-inserted by that compactor), uncommitted deltas
--   are not seen and stay. The sums of scopes that no longer exist (a deleted
--   organisation, job or batch) are dropped there, so cascaded deletes leave
--   no garbage behind.
-- * A batch's counts need each resume's state in the batch, which comes from
--   three tables (its task, the resume, its current analysis). batch_items
--   holds that state, one row per (batch, resume): the triggers of those
--   tables recompute the items their statement touched, set-based, lock the
--   item rows first (row locks, in key order, no advisory locks) and read
--   the rows in the statement after the lock, so two transactions changing
--   one resume's inputs are counted in turn. The difference old → new item
--   becomes the batch's deltas.
-- * tasks gets real keys for a process_resume task's resume and batch (set
--   from the payload by a BEFORE trigger, backfilled here), so batch status
--   and its failures join on indexed columns instead of 'resume:' || id or
--   payload text.
--
-- counters_check() lists every counter of an existing scope whose sum differs
-- from a full count; counters_rebuild() recomputes everything from the rows.

-- Filling the counters of a large database takes longer than a request may.
SET LOCAL statement_timeout = 0;

CREATE TABLE counter_deltas (
    id        bigserial PRIMARY KEY,
    scope     text NOT NULL CHECK (scope IN ('service', 'org', 'job', 'batch')),
    scope_id  bigint NOT NULL,             -- 0 for the service
    family    text NOT NULL,               -- 'resumes', 'candidates', 'tasks', 'emails', 'jobs', 'llm', 'batch'
    k1        text NOT NULL DEFAULT '',    -- first label (state, category, kind, LLM measure, 'total')
    k2        text NOT NULL DEFAULT '',    -- second label (the task state beside its kind, a batch state)
    n         numeric NOT NULL
);
CREATE INDEX counter_deltas_scope ON counter_deltas (scope, scope_id);

-- One row per resume of a batch with its state there, as batch status shows
-- it. state is NULL only inside a sync (a row being created or removed).
CREATE TABLE batch_items (
    batch_id   bigint NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    resume_id  bigint NOT NULL,
    state      text,
    category   text,
    fin        timestamptz,                -- when its task finished, else the resume's last change
    PRIMARY KEY (batch_id, resume_id)
);
CREATE INDEX batch_items_fin ON batch_items (batch_id, fin DESC NULLS LAST);
CREATE INDEX batch_items_problems ON batch_items (batch_id, resume_id) WHERE state IN ('failed', 'needs_review');

ALTER TABLE tasks ADD COLUMN resume_id bigint, ADD COLUMN batch_id bigint;

CREATE FUNCTION counters_payload_id(p jsonb, k text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p->>k ~ '^[0-9]{1,18}$' THEN (p->>k)::bigint END
$$;

-- The indexes come before the backfill: one built after an update in the same
-- transaction could not be used by that transaction (the rebuild below).
CREATE INDEX tasks_resume_batch ON tasks (resume_id, batch_id) WHERE kind = 'process_resume';
CREATE INDEX tasks_batch_resume ON tasks (batch_id, resume_id, id) WHERE kind = 'process_resume';
UPDATE tasks SET resume_id = counters_payload_id(payload, 'resume_id'),
                 batch_id = counters_payload_id(payload, 'batch_id')
 WHERE kind = 'process_resume';

CREATE FUNCTION tasks_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind = 'process_resume' THEN
        NEW.resume_id := counters_payload_id(NEW.payload, 'resume_id');
        NEW.batch_id := counters_payload_id(NEW.payload, 'batch_id');
    ELSE
        NEW.resume_id := NULL;
        NEW.batch_id := NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tasks_keys BEFORE INSERT OR UPDATE OF payload, kind ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_keys();

-- The state of each (batch, resume) pair, as batch status classifies it;
-- state NULL when the resume is not (or no longer) part of the batch.
CREATE FUNCTION batch_items_compute(p_batch bigint[], p_resume bigint[])
RETURNS TABLE (batch_id bigint, resume_id bigint, state text, category text, fin timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT p.b, p.r,
           CASE WHEN r.id IS NULL OR (r.batch_id IS DISTINCT FROM p.b AND t.state IS NULL) THEN NULL
                WHEN t.state = 'discarded' THEN 'failed' WHEN t.state = 'queued' THEN 'queued'
                WHEN t.state = 'running' THEN 'processing'
                WHEN t.state = 'succeeded' AND a.category IN ('shortlist', 'consider', 'reject') THEN 'scored'
                WHEN t.state = 'succeeded' AND a.category IS NOT NULL THEN a.category ELSE r.status END,
           CASE WHEN t.state = 'succeeded' THEN a.category END,
           COALESCE(t.finished_at, r.updated_at)
      FROM (SELECT DISTINCT u.b, u.r FROM unnest(p_batch, p_resume) u(b, r)
             WHERE u.b IS NOT NULL AND u.r IS NOT NULL) p
      LEFT JOIN resumes r ON r.id = p.r
      LEFT JOIN LATERAL (SELECT t.state, t.finished_at FROM tasks t
                          WHERE t.kind = 'process_resume' AND t.batch_id = p.b AND t.resume_id = p.r
                          ORDER BY t.batch_id DESC, t.resume_id DESC, t.id DESC LIMIT 1) t ON r.id IS NOT NULL
      LEFT JOIN analyses a ON a.resume_id = p.r AND a.is_current
$$;

-- Brings the items of the given pairs up to date with the rows and appends
-- the batch deltas of the change. Pairs of batches that are gone are skipped.
CREATE FUNCTION batch_items_sync(p_batch bigint[], p_resume bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_batch IS NULL OR cardinality(p_batch) = 0 THEN
        RETURN;
    END IF;
    -- 1. Keep only existing batches; create the missing rows; lock every row in key order.
    SELECT array_agg(b ORDER BY b, r), array_agg(r ORDER BY b, r) INTO p_batch, p_resume
      FROM (SELECT DISTINCT u.b, u.r FROM unnest(p_batch, p_resume) u(b, r)
             JOIN batches x ON x.id = u.b WHERE u.r IS NOT NULL) p;
    IF p_batch IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO batch_items (batch_id, resume_id)
        SELECT u.b, u.r FROM unnest(p_batch, p_resume) u(b, r) ORDER BY 1, 2
        ON CONFLICT (batch_id, resume_id) DO NOTHING;
    -- A row this transaction wrote (xmin is its own) is locked already; a bulk
    -- statement's items are, and skipping them saves rewriting each one.
    PERFORM 1 FROM batch_items i JOIN unnest(p_batch, p_resume) u(b, r) ON i.batch_id = u.b AND i.resume_id = u.r
      WHERE i.xmin::text <> (pg_current_xact_id()::text::bigint % 4294967296)::text
      ORDER BY i.batch_id, i.resume_id FOR UPDATE OF i;
    -- 2. With the rows locked, a new snapshot: what the items are now, and the difference.
    WITH c AS (SELECT * FROM batch_items_compute(p_batch, p_resume)),
         o AS (SELECT i.* FROM batch_items i JOIN c ON i.batch_id = c.batch_id AND i.resume_id = c.resume_id),
         upd AS (UPDATE batch_items i SET state = c.state, category = c.category, fin = c.fin FROM c
                  WHERE i.batch_id = c.batch_id AND i.resume_id = c.resume_id AND c.state IS NOT NULL
                    AND (i.state IS DISTINCT FROM c.state OR i.category IS DISTINCT FROM c.category
                         OR i.fin IS DISTINCT FROM c.fin) RETURNING 1),
         del AS (DELETE FROM batch_items i USING c
                  WHERE i.batch_id = c.batch_id AND i.resume_id = c.resume_id AND c.state IS NULL RETURNING 1),
         d AS (SELECT batch_id, state, category, -1 AS n FROM o WHERE state IS NOT NULL
               UNION ALL SELECT batch_id, state, category, 1 FROM c WHERE state IS NOT NULL),
         k AS (SELECT batch_id, 'total' AS k1, '' AS k2, n FROM d
               UNION ALL SELECT batch_id, 'state', state, n FROM d
               UNION ALL SELECT batch_id, 'category', category, n FROM d WHERE state = 'scored' AND category IS NOT NULL)
    INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT 'batch', batch_id, 'batch', k1, k2, sum(n) FROM k GROUP BY batch_id, k1, k2 HAVING sum(n) <> 0;
END $$;

-- The pairs (batch, resume) whose item may depend on the given resumes:
-- the resume's own batch and the batches of its process_resume tasks.
CREATE FUNCTION batch_items_sync_resumes(p_resume bigint[], p_batch bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    b bigint[];
    r bigint[];
BEGIN
    SELECT array_agg(x.b), array_agg(x.r) INTO b, r FROM (
        SELECT u.b, u.r FROM unnest(p_batch, p_resume) u(b, r) WHERE u.b IS NOT NULL
        UNION SELECT rs.batch_id, rs.id FROM unnest(p_resume) u(r) JOIN resumes rs ON rs.id = u.r
               WHERE rs.batch_id IS NOT NULL
        UNION SELECT t.batch_id, t.resume_id FROM unnest(p_resume) u(r) JOIN tasks t ON t.resume_id = u.r
               WHERE t.kind = 'process_resume' AND t.batch_id IS NOT NULL) x;
    PERFORM batch_items_sync(b, r);
END $$;

-- What one row adds to the counters (sign 1 when it comes, -1 when it goes).
CREATE FUNCTION counters_of_job(org_id bigint, status text, sign integer)
RETURNS TABLE (scope text, scope_id bigint, family text, k1 text, k2 text, n numeric)
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'org', org_id, 'jobs', status, '', sign::numeric
$$;

CREATE FUNCTION counters_of_resume(org_id bigint, job_id bigint, status text, sign integer)
RETURNS TABLE (scope text, scope_id bigint, family text, k1 text, k2 text, n numeric)
LANGUAGE sql IMMUTABLE AS $$
    VALUES ('service', 0::bigint, 'resumes', status, '', sign::numeric),
           ('org', org_id, 'resumes', status, '', sign), ('job', job_id, 'resumes', status, '', sign)
$$;

CREATE FUNCTION counters_of_analysis(org_id bigint, job_id bigint, is_current boolean, category text,
                                     cache_hit boolean, prompt_tokens integer, completion_tokens integer,
                                     cost_usd numeric, sign integer)
RETURNS TABLE (scope text, scope_id bigint, family text, k1 text, k2 text, n numeric)
LANGUAGE sql IMMUTABLE AS $$
    SELECT * FROM (VALUES ('service', 0::bigint, 'candidates', category, '', CASE WHEN is_current THEN sign ELSE 0 END::numeric),
           ('org', org_id, 'candidates', category, '', CASE WHEN is_current THEN sign ELSE 0 END),
           ('job', job_id, 'candidates', category, '', CASE WHEN is_current THEN sign ELSE 0 END),
           ('org', org_id, 'llm', 'analyses', '', sign),
           ('org', org_id, 'llm', 'cache_hits', '', CASE WHEN cache_hit THEN sign ELSE 0 END),
           ('org', org_id, 'llm', 'prompt_tokens', '', sign * prompt_tokens),
           ('org', org_id, 'llm', 'completion_tokens', '', sign * completion_tokens),
           ('org', org_id, 'llm', 'cost_usd', '', sign * cost_usd),
           ('service', 0, 'llm', 'prompt_tokens', '', sign * prompt_tokens),
           ('service', 0, 'llm', 'completion_tokens', '', sign * completion_tokens),
           ('service', 0, 'llm', 'cost_usd', '', sign * cost_usd)) v
$$;

CREATE FUNCTION counters_of_task(org_id bigint, kind text, state text, sign integer)
RETURNS TABLE (scope text, scope_id bigint, family text, k1 text, k2 text, n numeric)
LANGUAGE sql IMMUTABLE AS $$
    SELECT * FROM (VALUES ('service', 0::bigint, 'tasks', kind, state, sign::numeric),
                          ('org', org_id, 'tasks', state, '', sign)) v WHERE v.column2 IS NOT NULL
$$;

CREATE FUNCTION counters_of_email(org_id bigint, state text, sign integer)
RETURNS TABLE (scope text, scope_id bigint, family text, k1 text, k2 text, n numeric)
LANGUAGE sql IMMUTABLE AS $$
    VALUES ('service', 0::bigint, 'emails', state, '', sign::numeric), ('org', org_id, 'emails', state, '', sign)
$$;

-- The statement triggers. Each event has its own trigger (a transition table
-- exists only for the events that make it) and the function branches on
-- TG_OP, so each branch is a plain statement whose plan PL/pgSQL keeps.
CREATE FUNCTION counters_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n) FROM nt, LATERAL counters_of_job(nt.org_id, nt.status, 1) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n) FROM ot, LATERAL counters_of_job(ot.org_id, ot.status, -1) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
    ELSE
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n) FROM (
            SELECT c.* FROM nt, LATERAL counters_of_job(nt.org_id, nt.status, 1) c
            UNION ALL SELECT c.* FROM ot, LATERAL counters_of_job(ot.org_id, ot.status, -1) c) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION counters_resumes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r bigint[];
    b bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n)
          FROM nt, LATERAL counters_of_resume(nt.org_id, nt.job_id, nt.status, 1) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
        SELECT array_agg(id), array_agg(batch_id) INTO r, b FROM nt;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n)
          FROM ot, LATERAL counters_of_resume(ot.org_id, ot.job_id, ot.status, -1) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
        SELECT array_agg(id), array_agg(batch_id) INTO r, b FROM ot;
    ELSE
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n) FROM (
            SELECT c.* FROM nt, LATERAL counters_of_resume(nt.org_id, nt.job_id, nt.status, 1) c
            UNION ALL SELECT c.* FROM ot, LATERAL counters_of_resume(ot.org_id, ot.job_id, ot.status, -1) c) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
        -- An item reads the resume's status, batch and last change; the old batch loses it.
        SELECT array_agg(ot.id), array_agg(ot.batch_id) INTO r, b FROM ot JOIN nt ON nt.id = ot.id
         WHERE ot.status IS DISTINCT FROM nt.status OR ot.batch_id IS DISTINCT FROM nt.batch_id
            OR ot.updated_at IS DISTINCT FROM nt.updated_at;
    END IF;
    IF r IS NOT NULL THEN
        PERFORM batch_items_sync_resumes(r, b);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION counters_analyses() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n)
          FROM nt, LATERAL counters_of_analysis(nt.org_id, nt.job_id, nt.is_current, nt.category, nt.cache_hit,
                                                nt.prompt_tokens, nt.completion_tokens, nt.cost_usd, 1) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
        SELECT array_agg(DISTINCT resume_id) INTO r FROM nt WHERE is_current;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n)
          FROM ot, LATERAL counters_of_analysis(ot.org_id, ot.job_id, ot.is_current, ot.category, ot.cache_hit,
                                                ot.prompt_tokens, ot.completion_tokens, ot.cost_usd, -1) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
        SELECT array_agg(DISTINCT resume_id) INTO r FROM ot WHERE is_current;
    ELSE
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n) FROM (
            SELECT c.* FROM nt, LATERAL counters_of_analysis(nt.org_id, nt.job_id, nt.is_current, nt.category,
                        nt.cache_hit, nt.prompt_tokens, nt.completion_tokens, nt.cost_usd, 1) c
            UNION ALL SELECT c.* FROM ot, LATERAL counters_of_analysis(ot.org_id, ot.job_id, ot.is_current,
                        ot.category, ot.cache_hit, ot.prompt_tokens, ot.completion_tokens, ot.cost_usd, -1) c) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
        SELECT array_agg(DISTINCT ot.resume_id) INTO r FROM ot JOIN nt ON nt.id = ot.id
         WHERE ot.is_current IS DISTINCT FROM nt.is_current OR ot.category IS DISTINCT FROM nt.category
            OR ot.resume_id IS DISTINCT FROM nt.resume_id;
    END IF;
    IF r IS NOT NULL THEN
        PERFORM batch_items_sync_resumes(r, NULL);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION counters_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r bigint[];
    b bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n)
          FROM nt, LATERAL counters_of_task(nt.org_id, nt.kind, nt.state, 1) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
        SELECT array_agg(batch_id), array_agg(resume_id) INTO b, r FROM nt
         WHERE kind = 'process_resume' AND batch_id IS NOT NULL AND resume_id IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n)
          FROM ot, LATERAL counters_of_task(ot.org_id, ot.kind, ot.state, -1) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
        SELECT array_agg(batch_id), array_agg(resume_id) INTO b, r FROM ot
         WHERE kind = 'process_resume' AND batch_id IS NOT NULL AND resume_id IS NOT NULL;
    ELSE
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n) FROM (
            SELECT c.* FROM nt, LATERAL counters_of_task(nt.org_id, nt.kind, nt.state, 1) c
            UNION ALL SELECT c.* FROM ot, LATERAL counters_of_task(ot.org_id, ot.kind, ot.state, -1) c) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
        -- Leases renewed or attempts counted change no item: only state, finish time and keys do.
        SELECT array_agg(x.b), array_agg(x.r) INTO b, r FROM ot JOIN nt ON nt.id = ot.id,
               LATERAL (VALUES (ot.batch_id, ot.resume_id), (nt.batch_id, nt.resume_id)) x(b, r)
         WHERE (ot.kind = 'process_resume' OR nt.kind = 'process_resume')
           AND (ot.state IS DISTINCT FROM nt.state OR ot.finished_at IS DISTINCT FROM nt.finished_at
                OR ot.batch_id IS DISTINCT FROM nt.batch_id OR ot.resume_id IS DISTINCT FROM nt.resume_id
                OR ot.kind IS DISTINCT FROM nt.kind)
           AND x.b IS NOT NULL AND x.r IS NOT NULL;
    END IF;
    IF b IS NOT NULL THEN
        PERFORM batch_items_sync(b, r);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION counters_emails() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n) FROM nt, LATERAL counters_of_email(nt.org_id, nt.state, 1) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n) FROM ot, LATERAL counters_of_email(ot.org_id, ot.state, -1) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
    ELSE
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n) FROM (
            SELECT c.* FROM nt, LATERAL counters_of_email(nt.org_id, nt.state, 1) c
            UNION ALL SELECT c.* FROM ot, LATERAL counters_of_email(ot.org_id, ot.state, -1) c) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER counters_ins AFTER INSERT ON jobs REFERENCING NEW TABLE AS nt
    FOR EACH STATEMENT EXECUTE FUNCTION counters_jobs();
CREATE TRIGGER counters_upd AFTER UPDATE ON jobs REFERENCING OLD TABLE AS ot NEW TABLE AS nt
    FOR EACH STATEMENT EXECUTE FUNCTION counters_jobs();
CREATE TRIGGER counters_del AFTER DELETE ON jobs REFERENCING OLD TABLE AS ot
    FOR EACH STATEMENT EXECUTE FUNCTION counters_jobs();
CREATE TRIGGER counters_ins AFTER INSERT ON resumes REFERENCING NEW TABLE AS nt
    FOR EACH STATEMENT EXECUTE FUNCTION counters_resumes();
CREATE TRIGGER counters_upd AFTER UPDATE ON resumes REFERENCING OLD TABLE AS ot NEW TABLE AS nt
    FOR EACH STATEMENT EXECUTE FUNCTION counters_resumes();
CREATE TRIGGER counters_del AFTER DELETE ON resumes REFERENCING OLD TABLE AS ot
    FOR EACH STATEMENT EXECUTE FUNCTION counters_resumes();
CREATE TRIGGER counters_ins AFTER INSERT ON analyses REFERENCING NEW TABLE AS nt
    FOR EACH STATEMENT EXECUTE FUNCTION counters_analyses();
CREATE TRIGGER counters_upd AFTER UPDATE ON analyses REFERENCING OLD TABLE AS ot NEW TABLE AS nt
    FOR EACH STATEMENT EXECUTE FUNCTION counters_analyses();
CREATE TRIGGER counters_del AFTER DELETE ON analyses REFERENCING OLD TABLE AS ot
    FOR EACH STATEMENT EXECUTE FUNCTION counters_analyses();
CREATE TRIGGER counters_ins AFTER INSERT ON tasks REFERENCING NEW TABLE AS nt
    FOR EACH STATEMENT EXECUTE FUNCTION counters_tasks();
CREATE TRIGGER counters_upd AFTER UPDATE ON tasks REFERENCING OLD TABLE AS ot NEW TABLE AS nt
    FOR EACH STATEMENT EXECUTE FUNCTION counters_tasks();
CREATE TRIGGER counters_del AFTER DELETE ON tasks REFERENCING OLD TABLE AS ot
    FOR EACH STATEMENT EXECUTE FUNCTION counters_tasks();
CREATE TRIGGER counters_ins AFTER INSERT ON emails REFERENCING NEW TABLE AS nt
    FOR EACH STATEMENT EXECUTE FUNCTION counters_emails();
CREATE TRIGGER counters_upd AFTER UPDATE ON emails REFERENCING OLD TABLE AS ot NEW TABLE AS nt
    FOR EACH STATEMENT EXECUTE FUNCTION counters_emails();
CREATE TRIGGER counters_del AFTER DELETE ON emails REFERENCING OLD TABLE AS ot
    FOR EACH STATEMENT EXECUTE FUNCTION counters_emails();

-- Whether a scope still exists (the service always does).
CREATE FUNCTION counters_scope_exists(p_scope text, p_id bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE p_scope WHEN 'service' THEN true
                        WHEN 'org' THEN EXISTS (SELECT 1 FROM organisations WHERE id = p_id)
                        WHEN 'job' THEN EXISTS (SELECT 1 FROM jobs WHERE id = p_id)
                        WHEN 'batch' THEN EXISTS (SELECT 1 FROM batches WHERE id = p_id) ELSE false END
$$;

-- Every counter as a full count over the rows would give it (zeros left out).
CREATE VIEW counters_expected AS
    SELECT 'service'::text AS scope, 0::bigint AS scope_id, 'resumes'::text AS family, status AS k1, ''::text AS k2,
           count(*)::numeric AS n FROM resumes GROUP BY status
    UNION ALL SELECT 'org', org_id, 'resumes', status, '', count(*) FROM resumes GROUP BY org_id, status
    UNION ALL SELECT 'job', job_id, 'resumes', status, '', count(*) FROM resumes GROUP BY job_id, status
    UNION ALL SELECT 'service', 0, 'candidates', category, '', count(*) FROM analyses WHERE is_current GROUP BY category
    UNION ALL SELECT 'org', org_id, 'candidates', category, '', count(*) FROM analyses WHERE is_current
              GROUP BY org_id, category
    UNION ALL SELECT 'job', job_id, 'candidates', category, '', count(*) FROM analyses WHERE is_current
              GROUP BY job_id, category
    UNION ALL SELECT 'org', org_id, 'llm', m.k, '', sum(m.v) FROM analyses,
              LATERAL (VALUES ('analyses', 1::numeric), ('cache_hits', cache_hit::integer),
                              ('prompt_tokens', prompt_tokens), ('completion_tokens', completion_tokens),
                              ('cost_usd', cost_usd)) m(k, v) GROUP BY org_id, m.k
    UNION ALL SELECT 'service', 0, 'llm', m.k, '', sum(m.v) FROM analyses,
              LATERAL (VALUES ('prompt_tokens', prompt_tokens::numeric), ('completion_tokens', completion_tokens),
                              ('cost_usd', cost_usd)) m(k, v) GROUP BY m.k
    UNION ALL SELECT 'service', 0, 'tasks', kind, state, count(*) FROM tasks GROUP BY kind, state
    UNION ALL SELECT 'org', org_id, 'tasks', state, '', count(*) FROM tasks WHERE org_id IS NOT NULL
              GROUP BY org_id, state
    UNION ALL SELECT 'service', 0, 'emails', state, '', count(*) FROM emails GROUP BY state
    UNION ALL SELECT 'org', org_id, 'emails', state, '', count(*) FROM emails GROUP BY org_id, state
    UNION ALL SELECT 'org', org_id, 'jobs', status, '', count(*) FROM jobs GROUP BY org_id, status;

-- Every batch item the rows describe.
CREATE VIEW batch_items_expected AS
    SELECT c.* FROM (SELECT array_agg(batch_id) AS b, array_agg(resume_id) AS r FROM (
        SELECT batch_id, id AS resume_id FROM resumes WHERE batch_id IS NOT NULL
        UNION SELECT batch_id, resume_id FROM tasks
               WHERE kind = 'process_resume' AND batch_id IS NOT NULL AND resume_id IS NOT NULL) m) p,
        LATERAL batch_items_compute(p.b, p.r) c
     WHERE c.state IS NOT NULL AND EXISTS (SELECT 1 FROM batches x WHERE x.id = c.batch_id);

-- The batch counters of a set of items (batch_id, state, category).
CREATE FUNCTION counters_of_items(p_batch bigint[], p_state text[], p_category text[])
RETURNS TABLE (scope text, scope_id bigint, family text, k1 text, k2 text, n numeric)
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'batch', i.b, 'batch', k.k1, k.k2, count(*)::numeric FROM unnest(p_batch, p_state, p_category) i(b, s, c),
           LATERAL (VALUES ('total', ''), ('state', i.s), ('category', CASE WHEN i.s = 'scored' THEN i.c END)) k(k1, k2)
     WHERE k.k2 IS NOT NULL GROUP BY 1, 2, 3, 4, 5
$$;

-- Counters of existing scopes whose stored sum differs from a full count:
-- (scope, scope_id, family, k1, k2, stored, counted). Empty when all are right.
CREATE FUNCTION counters_check()
RETURNS TABLE (scope text, scope_id bigint, family text, k1 text, k2 text, stored numeric, counted numeric)
LANGUAGE sql STABLE AS $$
    WITH i AS MATERIALIZED (SELECT array_agg(batch_id) AS b, array_agg(state) AS s, array_agg(category) AS c
                             FROM batch_items_expected),
         e AS (SELECT * FROM counters_expected UNION ALL SELECT c.* FROM i, LATERAL counters_of_items(i.b, i.s, i.c) c),
         s AS (SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n) AS n FROM counter_deltas c
               GROUP BY 1, 2, 3, 4, 5)
    SELECT * FROM (
        SELECT COALESCE(s.scope, e.scope) AS scope, COALESCE(s.scope_id, e.scope_id) AS scope_id,
               COALESCE(s.family, e.family) AS family, COALESCE(s.k1, e.k1) AS k1, COALESCE(s.k2, e.k2) AS k2,
               COALESCE(s.n, 0) AS stored, COALESCE(e.n, 0) AS counted
          FROM s FULL JOIN e ON (s.scope, s.scope_id, s.family, s.k1, s.k2) = (e.scope, e.scope_id, e.family, e.k1, e.k2)
         WHERE COALESCE(s.n, 0) <> COALESCE(e.n, 0)) d
     WHERE counters_scope_exists(d.scope, d.scope_id)
     ORDER BY 1, 2, 3, 4, 5
$$;

-- Recomputes every counter and batch item from the rows, for repair. Holds
-- writers off the counted tables until the calling transaction ends.
-- Returns how many counters were wrong before.
CREATE FUNCTION counters_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    wrong bigint;
BEGIN
    LOCK TABLE jobs, resumes, analyses, tasks, emails, batches, counter_deltas, batch_items IN SHARE ROW EXCLUSIVE MODE;
    SELECT count(*) INTO wrong FROM counters_check();
    IF wrong = 0 THEN
        RETURN 0;
    END IF;
    DELETE FROM counter_deltas;
    DELETE FROM batch_items;
    INSERT INTO batch_items (batch_id, resume_id, state, category, fin)
        SELECT batch_id, resume_id, state, category, fin FROM batch_items_expected;
    INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT scope, scope_id, family, k1, k2, n FROM counters_expected WHERE n <> 0
        UNION ALL SELECT c.* FROM (SELECT array_agg(batch_id) AS b, array_agg(state) AS s, array_agg(category) AS c
                                     FROM batch_items) i, LATERAL counters_of_items(i.b, i.s, i.c) c;
    RETURN wrong;
END $$;

-- The first fill, as counters_rebuild() does it but without its check (everything is missing now).
INSERT INTO batch_items (batch_id, resume_id, state, category, fin)
    SELECT batch_id, resume_id, state, category, fin FROM batch_items_expected;
INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
    SELECT scope, scope_id, family, k1, k2, n FROM counters_expected WHERE n <> 0
    UNION ALL SELECT c.* FROM (SELECT array_agg(batch_id) AS b, array_agg(state) AS s, array_agg(category) AS c
                                 FROM batch_items) i, LATERAL counters_of_items(i.b, i.s, i.c) c;
