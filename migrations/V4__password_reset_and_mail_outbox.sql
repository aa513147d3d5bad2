-- Mail waiting for delivery (SMTP delivery arrives with the mail module) and single-use,
-- expiring password reset tokens (stored as SHA-256 hashes).

CREATE TABLE mail_outbox (
    id         TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    to_address TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error TEXT NOT NULL DEFAULT '',
    sent_at    TEXT
) STRICT;
CREATE INDEX mail_outbox_pending ON mail_outbox (status, created_at);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
) STRICT;
CREATE INDEX password_resets_user ON password_resets (user_id);
