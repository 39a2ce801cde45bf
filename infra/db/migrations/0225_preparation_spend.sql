-- What preparing a job costs (company details, email templates, criteria:
-- the drainer's small LLM calls) and scoring answers paid for but never
-- stored (their claim was lost first; the next attempt took the answer from
-- the cache for nothing), kept beside the analyses' cost; and the calls
-- whose model has no price counted apart, so that spend never reads as
-- complete when part of it is unknown.

-- Filling the counters of a large database takes longer than a request may.
SET LOCAL statement_timeout = 0;

-- One row per answer the provider gave to a preparation call (a retried
-- call that was answered twice is billed twice, so it has two rows), or per
-- unstored scoring answer (purpose 'scoring_unstored'). No
-- personal data: the job's row may go (erasure), the spend stays with the
-- organisation.
CREATE TABLE llm_spend (
    id                 bigserial PRIMARY KEY,
    org_id             bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    job_id             bigint REFERENCES jobs(id) ON DELETE SET NULL,
    purpose            text NOT NULL CHECK (purpose ~ '^[a-z][a-z_]{0,39}$'),
    model              text NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
    prompt_tokens      integer NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens  integer NOT NULL CHECK (completion_tokens >= 0),
    cached_tokens      integer NOT NULL DEFAULT 0 CHECK (cached_tokens >= 0),
    cost_usd           numeric(12,6) NOT NULL CHECK (cost_usd >= 0),
    cost_known         boolean NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llm_spend_job ON llm_spend (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX llm_spend_org_created ON llm_spend (org_id, created_at);

-- The organisation's preparation counters (or, for a scoring answer paid for
-- but never stored, its unstored ones), and its unpriced calls.
CREATE FUNCTION counters_of_spend(org_id bigint, purpose text, prompt_tokens integer, completion_tokens integer,
                                  cost_usd numeric, cost_known boolean, sign integer)
RETURNS TABLE (scope text, scope_id bigint, family text, k1 text, k2 text, n numeric)
LANGUAGE sql IMMUTABLE AS $$
    SELECT * FROM (VALUES ('org', org_id, 'llm', 'preparation_calls', '', sign::numeric),
           ('org', org_id, 'llm', 'preparation_cost_usd', '', sign * cost_usd),
           ('org', org_id, 'llm', 'preparation_prompt_tokens', '', sign * prompt_tokens),
           ('org', org_id, 'llm', 'preparation_completion_tokens', '', sign * completion_tokens),
           ('service', 0::bigint, 'llm', 'preparation_cost_usd', '', sign * cost_usd)) v
     WHERE purpose <> 'scoring_unstored'
    UNION ALL SELECT * FROM (VALUES ('org', org_id, 'llm', 'unstored_calls', '', sign::numeric),
           ('org', org_id, 'llm', 'unstored_cost_usd', '', sign * cost_usd),
           ('service', 0::bigint, 'llm', 'unstored_cost_usd', '', sign * cost_usd)) v
     WHERE purpose = 'scoring_unstored'
    UNION ALL SELECT * FROM (VALUES ('org', org_id, 'llm', 'unpriced_calls', '', sign::numeric),
           ('service', 0::bigint, 'llm', 'unpriced_calls', '', sign::numeric)) v
     WHERE NOT cost_known
$$;

CREATE FUNCTION counters_llm_spend() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n)
          FROM nt, LATERAL counters_of_spend(nt.org_id, nt.purpose, nt.prompt_tokens, nt.completion_tokens, nt.cost_usd,
                                             nt.cost_known, 1) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n)
          FROM ot, LATERAL counters_of_spend(ot.org_id, ot.purpose, ot.prompt_tokens, ot.completion_tokens, ot.cost_usd,
                                             ot.cost_known, -1) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
    ELSE
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n) FROM (
            SELECT c.* FROM nt, LATERAL counters_of_spend(nt.org_id, nt.purpose, nt.prompt_tokens, nt.completion_tokens,
                                                          nt.cost_usd, nt.cost_known, 1) c
            UNION ALL SELECT c.* FROM ot, LATERAL counters_of_spend(ot.org_id, ot.purpose, ot.prompt_tokens,
                                                          ot.completion_tokens, ot.cost_usd, ot.cost_known, -1) c) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER counters_ins AFTER INSERT ON llm_spend REFERENCING NEW TABLE AS nt
    FOR EACH STATEMENT EXECUTE FUNCTION counters_llm_spend();
CREATE TRIGGER counters_upd AFTER UPDATE ON llm_spend REFERENCING OLD TABLE AS ot NEW TABLE AS nt
    FOR EACH STATEMENT EXECUTE FUNCTION counters_llm_spend();
CREATE TRIGGER counters_del AFTER DELETE ON llm_spend REFERENCING OLD TABLE AS ot
    FOR EACH STATEMENT EXECUTE FUNCTION counters_llm_spend();

-- The analyses' trigger also counts their unpriced calls.
CREATE OR REPLACE FUNCTION counters_analyses() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n)
          FROM nt, LATERAL counters_of_analysis(nt.org_id, nt.job_id, nt.is_current, nt.category, nt.cache_hit,
                                                nt.prompt_tokens, nt.completion_tokens, nt.cost_usd, 1) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT s.scope, s.scope_id, 'llm', 'unpriced_calls', '', sum(s.n) FROM (
            SELECT 'org' AS scope, x.org_id AS scope_id, 1 AS n FROM nt x WHERE NOT x.cost_known
            UNION ALL SELECT 'service', 0, 1 FROM nt x WHERE NOT x.cost_known) s
         GROUP BY 1, 2 HAVING sum(s.n) <> 0;
        SELECT array_agg(DISTINCT resume_id) INTO r FROM nt WHERE is_current;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n)
          FROM ot, LATERAL counters_of_analysis(ot.org_id, ot.job_id, ot.is_current, ot.category, ot.cache_hit,
                                                ot.prompt_tokens, ot.completion_tokens, ot.cost_usd, -1) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT s.scope, s.scope_id, 'llm', 'unpriced_calls', '', sum(s.n) FROM (
            SELECT 'org' AS scope, x.org_id AS scope_id, -1 AS n FROM ot x WHERE NOT x.cost_known
            UNION ALL SELECT 'service', 0, -1 FROM ot x WHERE NOT x.cost_known) s
         GROUP BY 1, 2 HAVING sum(s.n) <> 0;
        SELECT array_agg(DISTINCT resume_id) INTO r FROM ot WHERE is_current;
    ELSE
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT c.scope, c.scope_id, c.family, c.k1, c.k2, sum(c.n) FROM (
            SELECT c.* FROM nt, LATERAL counters_of_analysis(nt.org_id, nt.job_id, nt.is_current, nt.category,
                        nt.cache_hit, nt.prompt_tokens, nt.completion_tokens, nt.cost_usd, 1) c
            UNION ALL SELECT c.* FROM ot, LATERAL counters_of_analysis(ot.org_id, ot.job_id, ot.is_current,
                        ot.category, ot.cache_hit, ot.prompt_tokens, ot.completion_tokens, ot.cost_usd, -1) c) c
         GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
        INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
        SELECT s.scope, s.scope_id, 'llm', 'unpriced_calls', '', sum(s.n) FROM (
            SELECT 'org' AS scope, x.org_id AS scope_id, 1 AS n FROM nt x WHERE NOT x.cost_known
            UNION ALL SELECT 'service', 0, 1 FROM nt x WHERE NOT x.cost_known
            UNION ALL SELECT 'org', x.org_id, -1 FROM ot x WHERE NOT x.cost_known
            UNION ALL SELECT 'service', 0, -1 FROM ot x WHERE NOT x.cost_known) s
         GROUP BY 1, 2 HAVING sum(s.n) <> 0;
        SELECT array_agg(DISTINCT ot.resume_id) INTO r FROM ot JOIN nt ON nt.id = ot.id
         WHERE ot.is_current IS DISTINCT FROM nt.is_current OR ot.category IS DISTINCT FROM nt.category
            OR ot.resume_id IS DISTINCT FROM nt.resume_id;
    END IF;
    IF r IS NOT NULL THEN
        PERFORM batch_items_sync_resumes(r, NULL);
    END IF;
    RETURN NULL;
END $$;

-- The full count behind counters-check and counters-rebuild, with the new counters.
CREATE OR REPLACE VIEW counters_expected AS
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
    UNION ALL SELECT 'org', org_id, 'jobs', status, '', count(*) FROM jobs GROUP BY org_id, status
    UNION ALL SELECT 'org', u.org_id, 'llm', 'unpriced_calls', '', count(*) FROM (
              SELECT org_id FROM analyses WHERE NOT cost_known
              UNION ALL SELECT org_id FROM llm_spend WHERE NOT cost_known) u GROUP BY u.org_id
    UNION ALL SELECT 'service', 0, 'llm', 'unpriced_calls', '', count(*) FROM (
              SELECT 1 FROM analyses WHERE NOT cost_known
              UNION ALL SELECT 1 FROM llm_spend WHERE NOT cost_known) u HAVING count(*) > 0
    UNION ALL SELECT 'org', org_id, 'llm', m.k, '', sum(m.v) FROM llm_spend,
              LATERAL (VALUES ('preparation_calls', 1::numeric), ('preparation_cost_usd', cost_usd),
                              ('preparation_prompt_tokens', prompt_tokens),
                              ('preparation_completion_tokens', completion_tokens)) m(k, v)
              WHERE purpose <> 'scoring_unstored' GROUP BY org_id, m.k
    UNION ALL SELECT 'service', 0, 'llm', 'preparation_cost_usd', '', sum(cost_usd) FROM llm_spend
              WHERE purpose <> 'scoring_unstored' HAVING count(*) > 0
    UNION ALL SELECT 'org', org_id, 'llm', m.k, '', sum(m.v) FROM llm_spend,
              LATERAL (VALUES ('unstored_calls', 1::numeric), ('unstored_cost_usd', cost_usd)) m(k, v)
              WHERE purpose = 'scoring_unstored' GROUP BY org_id, m.k
    UNION ALL SELECT 'service', 0, 'llm', 'unstored_cost_usd', '', sum(cost_usd) FROM llm_spend
              WHERE purpose = 'scoring_unstored' HAVING count(*) > 0;

-- Rebuilding also holds writers off llm_spend.
CREATE OR REPLACE FUNCTION counters_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    wrong bigint;
BEGIN
    LOCK TABLE jobs, resumes, analyses, tasks, emails, batches, llm_spend, counter_deltas, batch_items IN SHARE ROW EXCLUSIVE MODE;
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

-- The counters of what is already there.
INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)
    SELECT 'org', org_id, 'llm', 'unpriced_calls', '', count(*) FROM analyses WHERE NOT cost_known GROUP BY org_id
    UNION ALL SELECT 'service', 0, 'llm', 'unpriced_calls', '', count(*) FROM analyses WHERE NOT cost_known
              HAVING count(*) > 0;
