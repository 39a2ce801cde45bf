-- The API key check runs on every request. Through a transaction-mode
-- pooler (PgBouncer 1.18 keeps no prepared statements) the handlers send
-- it unnamed, so PostgreSQL parsed and planned its join on every request:
-- 0.11 ms of planning for 0.01 ms of execution. As a PL/pgSQL function the
-- join's plan is kept by each server connection, whoever borrows it, and
-- what is planned per request is one function call.
CREATE FUNCTION api_key_find(p_hash bytea)
RETURNS TABLE (key_id bigint, key_org_id bigint, key_user_id bigint, touch_due boolean, org_blind_view boolean)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN QUERY
        SELECT k.id, k.org_id, COALESCE(k.user_id, 0),
               k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute', o.blind_view
          FROM api_keys k JOIN organisations o ON o.id = k.org_id
         WHERE k.key_hash = p_hash AND k.revoked_at IS NULL;
END $$;
