-- An organisation's calls to models without a price, by day (the operations
-- report): a partial index of those few rows, so that the report's read of
-- the window's analyses stays an index-only scan of analyses_org_created.
CREATE INDEX analyses_org_unpriced ON analyses (org_id, created_at) WHERE NOT cost_known;
