-- The request that queued an email (its X-Request-Id), so one request can be
-- followed to its emails: the drainer's line for each email it settles
-- carries it. NULL for emails queued outside a request.
ALTER TABLE emails ADD COLUMN request_id text;
