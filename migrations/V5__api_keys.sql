-- API keys: the secret is shown once at creation; only its SHA-256 hash is stored, with a
-- short prefix to recognise it.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix       TEXT NOT NULL UNIQUE,
    key_hash     TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at   TEXT,
    revoked      INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    last_used_at TEXT,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX api_keys_user ON api_keys (user_id, created_at);
