-- Counters kept with the rows, so batch progress, /stats and /metrics cost
-- the same at a hundred rows as at a million.
--
-- Maintained by triggers, in the transaction that changes the row: every
-- writer is counted (the stores, the queue's claims, retries and lease
-- reclaims, seeding and repair scripts), so no code path can forget one.
--
-- A counter is a set of rows, one per slot (the backend's pid modulo 16),
-- summed on read: drainers finishing resumes of one batch each add to their
-- own row and do not queue behind one another's row lock.
--
-- tasks gets real keys for the resume and the batch of a process_resume
-- task (copied from the payload by a trigger, backfilled here), so the batch
-- queries join on an indexed column instead of 'resume:' || id.

CREATE TABLE counters (
    scope     text NOT NULL CHECK (scope IN ('service', 'org', 'job', 'batch')),
    scope_id  bigint NOT NULL,             -- 0 for the service
    family    text NOT NULL,               -- 'resumes', 'candidates', 'tasks', 'emails', 'jobs', 'llm', 'batch'
    k1        text NOT NULL DEFAULT '',    -- first label (state, category, kind, LLM measure)
    k2        text NOT NULL DEFAULT '',    -- second label (the task state beside its kind)
    slot      smallint NOT NULL,
    n         numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, scope_id, family, k1, k2, slot)
);

-- One row per resume of a batch with its state there, as batch status shows it.
CREATE TABLE batch_items (
    batch_id   bigint NOT NULL,
    resume_id  bigint NOT NULL,
    state      text NOT NULL,
    category   text,
    fin        timestamptz,                -- when its task finished, else the resume's last change
    PRIMARY KEY (batch_id, resume_id)
);
CREATE INDEX batch_items_resume ON batch_items (resume_id);
CREATE INDEX batch_items_fin ON batch_items (batch_id, fin DESC NULLS LAST);
CREATE INDEX batch_items_problems ON batch_items (batch_id, resume_id) WHERE state IN ('failed', 'needs_review');

ALTER TABLE tasks ADD COLUMN resume_id bigint, ADD COLUMN batch_id bigint;

CREATE FUNCTION counters_payload_id(p jsonb, k text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p->>k ~ '^[0-9]{1,18}$' THEN (p->>k)::bigint END
$$;

UPDATE tasks SET resume_id = counters_payload_id(payload, 'resume_id'),
                 batch_id = counters_payload_id(payload, 'batch_id')
 WHERE kind = 'process_resume';
CREATE INDEX tasks_resume ON tasks (resume_id, batch_id) WHERE kind = 'process_resume';

CREATE FUNCTION tasks_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind = 'process_resume' THEN
        NEW.resume_id := counters_payload_id(NEW.payload, 'resume_id');
        NEW.batch_id := counters_payload_id(NEW.payload, 'batch_id');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tasks_keys BEFORE INSERT OR UPDATE OF payload, kind ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_keys();

-- Adds delta to one counter in this backend's slot. Zero deltas write nothing.
CREATE FUNCTION counter_add(p_scope text, p_id bigint, p_family text, p_k1 text, p_k2 text, p_delta numeric)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_delta = 0 OR p_id IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO counters AS c (scope, scope_id, family, k1, k2, slot, n)
    VALUES (p_scope, p_id, p_family, COALESCE(p_k1, ''), COALESCE(p_k2, ''), pg_backend_pid() % 16, p_delta)
    ON CONFLICT (scope, scope_id, family, k1, k2, slot) DO UPDATE SET n = c.n + EXCLUDED.n;
END $$;

-- The state of one resume in one batch, as batch status classifies it; no
-- row when the resume is not (or no longer) part of the batch.
CREATE FUNCTION batch_item_compute(p_batch bigint, p_resume bigint)
RETURNS TABLE (state text, category text, fin timestamptz) LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN t.state = 'discarded' THEN 'failed' WHEN t.state = 'queued' THEN 'queued'
                WHEN t.state = 'running' THEN 'processing'
                WHEN t.state = 'succeeded' AND a.category IN ('shortlist', 'consider', 'reject') THEN 'scored'
                WHEN t.state = 'succeeded' AND a.category IS NOT NULL THEN a.category ELSE r.status END,
           CASE WHEN t.state = 'succeeded' THEN a.category END,
           COALESCE(t.finished_at, r.updated_at)
      FROM resumes r
      LEFT JOIN LATERAL (SELECT t.state, t.finished_at FROM tasks t
                          WHERE t.kind = 'process_resume' AND t.resume_id = r.id AND t.batch_id = p_batch
                            AND t.org_id = r.org_id ORDER BY t.id DESC LIMIT 1) t ON true
      LEFT JOIN analyses a ON a.resume_id = r.id AND a.is_current
     WHERE r.id = p_resume AND (r.batch_id = p_batch OR t.state IS NOT NULL)
$$;

CREATE FUNCTION batch_count(p_batch bigint, p_state text, p_category text, p_delta integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM counter_add('batch', p_batch, 'batch', 'total', '', p_delta);
    PERFORM counter_add('batch', p_batch, 'batch', 'state', p_state, p_delta);
    IF p_state = 'scored' AND p_category IS NOT NULL THEN
        PERFORM counter_add('batch', p_batch, 'batch', 'category', p_category, p_delta);
    END IF;
END $$;

-- Brings one batch item and its batch's counters up to date with the rows.
-- The lock comes first, so a change committed by a concurrent transaction
-- on the same resume is seen by the statements that follow it.
CREATE FUNCTION batch_item_refresh(p_batch bigint, p_resume bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    o batch_items%ROWTYPE;
    c record;
BEGIN
    IF p_batch IS NULL OR p_resume IS NULL THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(110, (p_resume % 2147483647)::integer);
    SELECT * INTO c FROM batch_item_compute(p_batch, p_resume);
    SELECT * INTO o FROM batch_items WHERE batch_id = p_batch AND resume_id = p_resume;
    IF o.batch_id IS NOT NULL THEN
        IF c.state IS NOT NULL AND o.state = c.state AND o.category IS NOT DISTINCT FROM c.category THEN
            IF o.fin IS DISTINCT FROM c.fin THEN
                UPDATE batch_items SET fin = c.fin WHERE batch_id = p_batch AND resume_id = p_resume;
            END IF;
            RETURN;
        END IF;
        PERFORM batch_count(p_batch, o.state, o.category, -1);
        IF c.state IS NULL THEN
            DELETE FROM batch_items WHERE batch_id = p_batch AND resume_id = p_resume;
            RETURN;
        END IF;
        UPDATE batch_items SET state = c.state, category = c.category, fin = c.fin
         WHERE batch_id = p_batch AND resume_id = p_resume;
    ELSIF c.state IS NOT NULL THEN
        INSERT INTO batch_items (batch_id, resume_id, state, category, fin)
        VALUES (p_batch, p_resume, c.state, c.category, c.fin);
    ELSE
        RETURN;
    END IF;
    PERFORM batch_count(p_batch, c.state, c.category, 1);
END $$;

-- Refreshes every batch a resume is or was part of.
CREATE FUNCTION batch_items_refresh_resume(p_resume bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    b bigint;
BEGIN
    FOR b IN SELECT batch_id FROM resumes WHERE id = p_resume AND batch_id IS NOT NULL
             UNION SELECT batch_id FROM tasks WHERE kind = 'process_resume' AND resume_id = p_resume
                                              AND batch_id IS NOT NULL
             UNION SELECT batch_id FROM batch_items WHERE resume_id = p_resume
             ORDER BY 1 LOOP
        PERFORM batch_item_refresh(b, p_resume);
    END LOOP;
END $$;

CREATE FUNCTION counters_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM counter_add('org', OLD.org_id, 'jobs', OLD.status, '', -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM counter_add('org', NEW.org_id, 'jobs', NEW.status, '', 1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER counters_jobs AFTER INSERT OR DELETE ON jobs FOR EACH ROW EXECUTE FUNCTION counters_jobs();
CREATE TRIGGER counters_jobs_update AFTER UPDATE OF status, org_id ON jobs FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.org_id IS DISTINCT FROM NEW.org_id)
    EXECUTE FUNCTION counters_jobs();

CREATE FUNCTION counters_resumes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s record;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        s := OLD;
        IF TG_OP = 'DELETE' OR OLD.status IS DISTINCT FROM NEW.status OR OLD.job_id <> NEW.job_id THEN
            PERFORM counter_add('service', 0, 'resumes', s.status, '', -1);
            PERFORM counter_add('org', s.org_id, 'resumes', s.status, '', -1);
            PERFORM counter_add('job', s.job_id, 'resumes', s.status, '', -1);
        END IF;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.job_id <> NEW.job_id)) THEN
        PERFORM counter_add('service', 0, 'resumes', NEW.status, '', 1);
        PERFORM counter_add('org', NEW.org_id, 'resumes', NEW.status, '', 1);
        PERFORM counter_add('job', NEW.job_id, 'resumes', NEW.status, '', 1);
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM batch_items_refresh_resume(OLD.id);
    ELSE
        IF TG_OP = 'UPDATE' AND OLD.batch_id IS DISTINCT FROM NEW.batch_id THEN
            PERFORM batch_item_refresh(OLD.batch_id, OLD.id);
        END IF;
        PERFORM batch_items_refresh_resume(NEW.id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER counters_resumes AFTER INSERT OR DELETE ON resumes FOR EACH ROW EXECUTE FUNCTION counters_resumes();
CREATE TRIGGER counters_resumes_update AFTER UPDATE ON resumes FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.job_id IS DISTINCT FROM NEW.job_id
          OR OLD.batch_id IS DISTINCT FROM NEW.batch_id OR OLD.updated_at IS DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION counters_resumes();

CREATE FUNCTION counters_analysis(a analyses, sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF a.is_current THEN
        PERFORM counter_add('service', 0, 'candidates', a.category, '', sign);
        PERFORM counter_add('org', a.org_id, 'candidates', a.category, '', sign);
        PERFORM counter_add('job', a.job_id, 'candidates', a.category, '', sign);
    END IF;
    PERFORM counter_add('org', a.org_id, 'llm', 'analyses', '', sign);
    PERFORM counter_add('org', a.org_id, 'llm', 'cache_hits', '', CASE WHEN a.cache_hit THEN sign ELSE 0 END);
    PERFORM counter_add('org', a.org_id, 'llm', 'prompt_tokens', '', sign * a.prompt_tokens);
    PERFORM counter_add('org', a.org_id, 'llm', 'completion_tokens', '', sign * a.completion_tokens);
    PERFORM counter_add('org', a.org_id, 'llm', 'cost_usd', '', sign * a.cost_usd);
    PERFORM counter_add('service', 0, 'llm', 'prompt_tokens', '', sign * a.prompt_tokens);
    PERFORM counter_add('service', 0, 'llm', 'completion_tokens', '', sign * a.completion_tokens);
    PERFORM counter_add('service', 0, 'llm', 'cost_usd', '', sign * a.cost_usd);
END $$;

CREATE FUNCTION counters_analyses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM counters_analysis(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM counters_analysis(NEW, 1);
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM batch_items_refresh_resume(OLD.resume_id);
    ELSE
        PERFORM batch_items_refresh_resume(NEW.resume_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER counters_analyses AFTER INSERT OR DELETE ON analyses FOR EACH ROW EXECUTE FUNCTION counters_analyses();
CREATE TRIGGER counters_analyses_update AFTER UPDATE ON analyses FOR EACH ROW
    WHEN (OLD.is_current IS DISTINCT FROM NEW.is_current OR OLD.category IS DISTINCT FROM NEW.category
          OR OLD.cache_hit IS DISTINCT FROM NEW.cache_hit OR OLD.prompt_tokens IS DISTINCT FROM NEW.prompt_tokens
          OR OLD.completion_tokens IS DISTINCT FROM NEW.completion_tokens OR OLD.cost_usd IS DISTINCT FROM NEW.cost_usd)
    EXECUTE FUNCTION counters_analyses();

CREATE FUNCTION counters_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM counter_add('service', 0, 'tasks', OLD.kind, OLD.state, -1);
        PERFORM counter_add('org', OLD.org_id, 'tasks', OLD.state, '', -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM counter_add('service', 0, 'tasks', NEW.kind, NEW.state, 1);
        PERFORM counter_add('org', NEW.org_id, 'tasks', NEW.state, '', 1);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.kind = 'process_resume' THEN
        PERFORM batch_item_refresh(OLD.batch_id, OLD.resume_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.kind = 'process_resume'
       AND (TG_OP = 'INSERT' OR NEW.batch_id IS DISTINCT FROM OLD.batch_id OR NEW.resume_id IS DISTINCT FROM OLD.resume_id) THEN
        PERFORM batch_item_refresh(NEW.batch_id, NEW.resume_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER counters_tasks AFTER INSERT OR DELETE ON tasks FOR EACH ROW EXECUTE FUNCTION counters_tasks();
CREATE TRIGGER counters_tasks_update AFTER UPDATE ON tasks FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.kind IS DISTINCT FROM NEW.kind
          OR OLD.org_id IS DISTINCT FROM NEW.org_id OR OLD.finished_at IS DISTINCT FROM NEW.finished_at
          OR OLD.batch_id IS DISTINCT FROM NEW.batch_id OR OLD.resume_id IS DISTINCT FROM NEW.resume_id)
    EXECUTE FUNCTION counters_tasks();

CREATE FUNCTION counters_emails() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM counter_add('service', 0, 'emails', OLD.state, '', -1);
        PERFORM counter_add('org', OLD.org_id, 'emails', OLD.state, '', -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM counter_add('service', 0, 'emails', NEW.state, '', 1);
        PERFORM counter_add('org', NEW.org_id, 'emails', NEW.state, '', 1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER counters_emails AFTER INSERT OR DELETE ON emails FOR EACH ROW EXECUTE FUNCTION counters_emails();
CREATE TRIGGER counters_emails_update AFTER UPDATE OF state, org_id ON emails FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.org_id IS DISTINCT FROM NEW.org_id)
    EXECUTE FUNCTION counters_emails();

-- A batch, job or organisation that goes takes its counters with it.
CREATE FUNCTION counters_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM counters WHERE scope = TG_ARGV[0] AND scope_id = OLD.id;
    IF TG_ARGV[0] = 'batch' THEN
        DELETE FROM batch_items WHERE batch_id = OLD.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER counters_forget AFTER DELETE ON batches FOR EACH ROW EXECUTE FUNCTION counters_forget('batch');
CREATE TRIGGER counters_forget AFTER DELETE ON jobs FOR EACH ROW EXECUTE FUNCTION counters_forget('job');
CREATE TRIGGER counters_forget AFTER DELETE ON organisations FOR EACH ROW EXECUTE FUNCTION counters_forget('org');

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
    SELECT m.batch_id, m.resume_id, c.state, c.category, c.fin
      FROM (SELECT batch_id, id AS resume_id FROM resumes WHERE batch_id IS NOT NULL
            UNION SELECT batch_id, resume_id FROM tasks
                   WHERE kind = 'process_resume' AND batch_id IS NOT NULL AND resume_id IS NOT NULL) m,
           LATERAL batch_item_compute(m.batch_id, m.resume_id) c;

-- Counters whose stored sum differs from a full count: (scope, scope_id,
-- family, k1, k2, stored, counted). Empty when all are right.
CREATE FUNCTION counters_check()
RETURNS TABLE (scope text, scope_id bigint, family text, k1 text, k2 text, stored numeric, counted numeric)
LANGUAGE sql STABLE AS $$
    WITH e AS (SELECT * FROM counters_expected
               UNION ALL SELECT 'batch', batch_id, 'batch', 'total', '', count(*) FROM batch_items_expected
                         GROUP BY batch_id
               UNION ALL SELECT 'batch', batch_id, 'batch', 'state', state, count(*) FROM batch_items_expected
                         GROUP BY batch_id, state
               UNION ALL SELECT 'batch', batch_id, 'batch', 'category', category, count(*) FROM batch_items_expected
                         WHERE state = 'scored' AND category IS NOT NULL GROUP BY batch_id, category),
         s AS (SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n) AS n FROM counters c
               GROUP BY 1, 2, 3, 4, 5)
    SELECT COALESCE(s.scope, e.scope), COALESCE(s.scope_id, e.scope_id), COALESCE(s.family, e.family),
           COALESCE(s.k1, e.k1), COALESCE(s.k2, e.k2), COALESCE(s.n, 0), COALESCE(e.n, 0)
      FROM s FULL JOIN e ON (s.scope, s.scope_id, s.family, s.k1, s.k2) = (e.scope, e.scope_id, e.family, e.k1, e.k2)
     WHERE COALESCE(s.n, 0) <> COALESCE(e.n, 0)
$$;

-- Recomputes every counter and batch item from the rows, for repair. Holds
-- writers off the counted tables until the calling transaction ends.
-- Returns how many counters were wrong before.
CREATE FUNCTION counters_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    wrong bigint;
BEGIN
    LOCK TABLE jobs, resumes, analyses, tasks, emails IN SHARE MODE;
    SELECT count(*) INTO wrong FROM counters_check();
    DELETE FROM counters;
    DELETE FROM batch_items;
    INSERT INTO batch_items (batch_id, resume_id, state, category, fin)
        SELECT batch_id, resume_id, state, category, fin FROM batch_items_expected;
    INSERT INTO counters (scope, scope_id, family, k1, k2, slot, n)
        SELECT scope, scope_id, family, k1, k2, 0, n FROM counters_expected
        UNION ALL SELECT 'batch', batch_id, 'batch', 'total', '', 0, count(*) FROM batch_items GROUP BY batch_id
        UNION ALL SELECT 'batch', batch_id, 'batch', 'state', state, 0, count(*) FROM batch_items
                  GROUP BY batch_id, state
        UNION ALL SELECT 'batch', batch_id, 'batch', 'category', category, 0, count(*) FROM batch_items
                  WHERE state = 'scored' AND category IS NOT NULL GROUP BY batch_id, category;
    RETURN wrong;
END $$;

SELECT counters_rebuild();
