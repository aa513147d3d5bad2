-- TOTP second factor (RFC 6238). One secret per user: pending from setup until a code
-- confirms it, then enabled. last_step is the last accepted time step: codes of that step or
-- earlier are refused (replay protection).
CREATE TABLE user_totp (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       BLOB NOT NULL CHECK (length(secret) >= 16),  -- raw key, never shown after setup
    enabled      INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    confirmed_at TEXT,
    last_step    INTEGER,
    created_at   TEXT NOT NULL
) STRICT;

-- Single-use recovery codes, issued when the second factor is enabled; only SHA-256 hashes
-- of the (high-entropy) codes are stored.
CREATE TABLE totp_recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_at    TEXT,
    PRIMARY KEY (user_id, code_hash)
) STRICT;
