-- Users and their sessions (auth module).
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(username) BETWEEN 1 AND 150),
    email         TEXT NOT NULL DEFAULT '',
    first_name    TEXT NOT NULL DEFAULT '',
    last_name     TEXT NOT NULL DEFAULT '',
    password      TEXT NOT NULL,           -- argon2id PHC string, never shown
    is_active     INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    is_staff      INTEGER NOT NULL DEFAULT 0 CHECK (is_staff IN (0, 1)),
    is_superuser  INTEGER NOT NULL DEFAULT 0 CHECK (is_superuser IN (0, 1)),
    last_login    TEXT,
    created_at    TEXT NOT NULL,           -- the date joined
    updated_at    TEXT NOT NULL,
    created_by    TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_by    TEXT REFERENCES users (id) ON DELETE SET NULL
) STRICT;

-- Access and refresh tokens; only SHA-256 hashes are stored. A login starts a family that
-- refreshes rotate within; logout and reuse detection revoke a whole family.
CREATE TABLE auth_tokens (
    token_hash TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family     TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_at    TEXT,
    revoked_at TEXT
) STRICT;
CREATE INDEX auth_tokens_family ON auth_tokens (family);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);

-- Which version of each built-in data set has been loaded (seeding runs once per version).
CREATE TABLE seeds (
    name    TEXT PRIMARY KEY,
    version INTEGER NOT NULL
) STRICT;
