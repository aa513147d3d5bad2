-- The audit trail (append-only, hash-chained) and the change feed with consumer cursors.

-- user and organization are historical references, not foreign keys: an entry must outlive
-- what it mentions, and the chain forbids rewriting it.
-- id is the rowid and the position in the chain (entries are only ever appended).
CREATE TABLE audit_logs (
    id          INTEGER PRIMARY KEY CHECK (id >= 1),
    created_at  TEXT NOT NULL,
    user        TEXT,
    username    TEXT NOT NULL DEFAULT '',
    organization TEXT,
    action      TEXT NOT NULL CHECK (action IN ('CREATE', 'UPDATE', 'DELETE', 'LOGIN_SUCCESS', 'LOGIN_FAILED',
                    'LOGOUT', 'PASSWORD_CHANGED', 'PASSWORD_RESET', '2FA_ENABLED', '2FA_DISABLED',
                    'API_KEY_CREATED', 'API_KEY_REVOKED', 'TOKEN_REUSE_DETECTED', 'PERMISSION_ASSIGN',
                    'PERMISSION_REVOKE')),
    model       TEXT NOT NULL DEFAULT '',
    object_id   TEXT NOT NULL DEFAULT '',
    object_repr TEXT NOT NULL DEFAULT '' CHECK (length(object_repr) <= 255),
    -- changes and context are JSON written by Plinth's serializer; the hash chain, not a
    -- per-row json_valid() parse on the hot write path, guards them.
    changes     TEXT,
    context     TEXT,
    prev_hash   TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash        TEXT NOT NULL CHECK (length(hash) = 64)
) STRICT;
-- Every index is paid on every audited write: only the selective lookups get one (time
-- ranges follow seq order; action alone is rarely selective).
CREATE INDEX audit_logs_object ON audit_logs (model, object_id);
CREATE INDEX audit_logs_user ON audit_logs (user);
CREATE INDEX audit_logs_organization ON audit_logs (organization, user) WHERE organization IS NOT NULL;

CREATE TRIGGER audit_logs_append_only_update BEFORE UPDATE ON audit_logs
BEGIN
    SELECT RAISE(ABORT, 'audit_logs is append-only');
END;
CREATE TRIGGER audit_logs_append_only_delete BEFORE DELETE ON audit_logs
BEGIN
    SELECT RAISE(ABORT, 'audit_logs is append-only');
END;

-- One event per engine write, in the same transaction; consumers (search, automation, live
-- push, webhooks, replication) each keep their own cursor.
-- seq is the rowid (no AUTOINCREMENT: its bookkeeping table would cost a page per write);
-- events are never deleted from the end, so sequence numbers only grow.
CREATE TABLE change_feed (
    seq            INTEGER PRIMARY KEY,
    created_at     TEXT NOT NULL,
    model          TEXT NOT NULL,
    object_id      TEXT NOT NULL,
    action         TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    organization   TEXT,
    changed_fields TEXT NOT NULL
) STRICT;

CREATE TABLE change_cursors (
    consumer   TEXT PRIMARY KEY,
    position   INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
    updated_at TEXT NOT NULL
) STRICT;
