-- Web sign-in: a password per user (Argon2id, libsodium's encoded form; NULL:
-- the user cannot sign in with a password) and the sessions it opens. Only a
-- SHA-256 of each session token is stored, as for API keys.

ALTER TABLE users ADD COLUMN password_hash text;
ALTER TABLE users ADD COLUMN password_changed_at timestamptz;
-- Sign-in looks a user up by email alone (any organisation).
CREATE INDEX users_email_sign_in ON users (lower(email)) WHERE password_hash IS NOT NULL;

CREATE TABLE sessions (
    id          bigserial PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    user_agent  text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 300)
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;
