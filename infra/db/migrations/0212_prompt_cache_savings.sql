-- The provider's prompt cache per analysis: how many of its prompt tokens
-- were served from the cache (usage.prompt_tokens_details.cached_tokens) and
-- what that saved against paying full input price for them, so savings can
-- be shown per job and per organisation.
ALTER TABLE analyses ADD COLUMN cached_tokens integer NOT NULL DEFAULT 0 CHECK (cached_tokens >= 0);
ALTER TABLE analyses ADD COLUMN cache_saved_usd numeric(12,6) NOT NULL DEFAULT 0 CHECK (cache_saved_usd >= 0);


-- An organisation's savings read from the analyses that had any, and from
-- this index alone.
CREATE INDEX analyses_org_prompt_cache ON analyses (org_id)
    INCLUDE (cached_tokens, cache_saved_usd) WHERE cached_tokens > 0;
