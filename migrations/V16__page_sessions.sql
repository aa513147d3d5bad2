-- The admin pages sign in with a session cookie (issue 9): a token of its own kind, which only
-- the cookie carries and which unsafe requests must pair with its CSRF token.

CREATE TABLE auth_tokens_new (
    token_hash TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('access', 'refresh', 'session')),
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family     TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_at    TEXT,
    revoked_at TEXT
) STRICT;
INSERT INTO auth_tokens_new SELECT token_hash, kind, user_id, family, expires_at, created_at, used_at, revoked_at FROM auth_tokens;
DROP TABLE auth_tokens;
ALTER TABLE auth_tokens_new RENAME TO auth_tokens;
CREATE INDEX auth_tokens_family ON auth_tokens (family);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);
