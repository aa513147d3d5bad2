//! `audit-logs/`: the audit trail, read-only (spec: Audit Logging): superusers see every entry,
//! holders of `auditlog.view` those of their organizations. Entries are written by the `audit`
//! module inside the transactions they record.

use crate::engine::{Field, Index, ModelDef, ReadRule, Scope, WriteRule};

/// Actions an entry may record.
pub const ACTIONS: &[&str] = &[
    "CREATE",
    "UPDATE",
    "DELETE",
    "LOGIN_SUCCESS",
    "LOGIN_FAILED",
    "LOGOUT",
    "PASSWORD_CHANGED",
    "PASSWORD_RESET",
    "2FA_ENABLED",
    "2FA_DISABLED",
    "API_KEY_CREATED",
    "API_KEY_REVOKED",
    "TOKEN_REUSE_DETECTED",
    "PERMISSION_ASSIGN",
    "PERMISSION_REVOKE",
];

pub const AUDIT_LOG: ModelDef = ModelDef {
    fields: &[
        Field::integer("id", 1, i64::MAX).read_only().help("Position in the hash chain."),
        Field::datetime("created_at").read_only(),
        Field::text("user", 36).nullable().read_only().help("Id of the acting user (kept after the user is gone)."),
        Field::text("username", 150).blank().read_only().help("Username at the time (or the one attempted)."),
        Field::text("organization", 36).nullable().read_only().help("Organization context."),
        Field::choice("action", ACTIONS).read_only(),
        Field::text("model", 100).blank().read_only().help("Model of the object acted upon."),
        Field::text("object_id", 255).blank().read_only(),
        Field::text("object_repr", 255).blank().read_only(),
        Field::json_object("changes").nullable().read_only().help("{field: {old, new}} with secrets masked."),
        Field::json_object("context").nullable().read_only().help("ip, user_agent, request_id, origin."),
        Field::text("prev_hash", 64).read_only().help("Hash of the previous entry."),
        Field::text("hash", 64).read_only().help("SHA-256 over the previous hash and this entry."),
    ],
    tracking: false,
    audited: false,
    search: &["object_repr", "username", "model", "object_id"],
    filters: &["id", "model", "object_id", "user", "username", "organization", "action", "created_at"],
    ordering: &["id", "created_at", "action", "model"],
    default_order: &["-id"],
    // Every index is paid on every audited write: only the selective lookups get one (time
    // ranges follow the id order; the action alone is rarely selective).
    indexes: &[
        Index::on(&["model", "object_id"]),
        Index::on(&["user"]),
        Index::on(&["organization", "user"]).filtered("\"organization\" IS NOT NULL"),
    ],
    unindexed: &["username", "action", "created_at", "object_id"],
    read: ReadRule::Superuser,
    write: WriteRule::Never,
    scope: Scope::Organization,
    display: "{action} {model} {object_repr}",
    list_columns: &["created_at", "username", "action", "model", "object_repr"],
    area: "administration",
    ..ModelDef::base("auditlog", "Audit Log Entry", "audit-logs", "audit_logs")
};
