//! Who may do what (DESIGN.md §6). A caller holds permissions (`<model>.<action>` strings,
//! with `*` wildcards) through the roles of their active organization memberships — in the
//! member's organization and every organization below it; superusers hold every permission. The engine asks here, per model scope, which rows a caller sees and
//! whether a write is allowed.

mod permissions;

pub use permissions::{Permission, covers, is_known, list as permissions};

use rusqlite::params_from_iter;

use crate::engine::{EngineError, ModelDef, ReadRule};
use crate::store::{Connection, SqlValue, StoreError};

/// The authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub username: String,
    pub is_staff: bool,
    pub is_superuser: bool,
    /// Set when authenticated by an API key limited to one organization: only the owner's
    /// membership there counts, and superuser rights do not apply.
    pub organization: Option<String>,
}

impl Principal {
    /// Whether every check passes for this caller.
    pub fn bypasses(&self) -> bool {
        self.is_superuser && self.organization.is_none()
    }
}

/// May `principal` read a global model `def`?
pub fn check_read(def: &ModelDef, principal: Option<&Principal>) -> Result<(), EngineError> {
    match (def.read, principal) {
        (ReadRule::Anyone, _) | (ReadRule::Authenticated, Some(_)) => Ok(()),
        (ReadRule::Superuser, Some(p)) if p.bypasses() => Ok(()),
        (ReadRule::Staff, Some(p)) if p.is_staff || p.bypasses() => Ok(()),
        (ReadRule::Superuser | ReadRule::Staff, Some(_)) => Err(EngineError::PermissionDenied),
        (ReadRule::Authenticated | ReadRule::Superuser | ReadRule::Staff, None) => Err(EngineError::NotAuthenticated),
    }
}

/// The caller, or 401.
pub fn signed_in(principal: Option<&Principal>) -> Result<&Principal, EngineError> {
    principal.ok_or(EngineError::NotAuthenticated)
}

/// SQL selecting the ids of the organizations where `principal` holds `permission`, with its
/// parameters: those of their active memberships whose role grants it, and every organization
/// below those (a role in a parent applies to the whole subtree).
pub fn organizations_granting(principal: &Principal, permission: &str) -> (String, Vec<SqlValue>) {
    let (model, action) = permission.split_once('.').unwrap_or((permission, ""));
    let mut sql = String::from(
        "WITH RECURSIVE granted(id) AS (SELECT m.\"organization\" FROM organization_memberships m \
         JOIN roles r ON r.id = m.\"role\" WHERE m.\"user\" = ? AND m.is_active = 1 \
         AND EXISTS (SELECT 1 FROM json_each(r.permissions) g WHERE g.value IN (?, ?, ?, '*'))",
    );
    let mut params = vec![
        SqlValue::Text(principal.user_id.clone()),
        SqlValue::Text(permission.to_string()),
        SqlValue::Text(format!("{model}.*")),
        SqlValue::Text(format!("*.{action}")),
    ];
    if let Some(limit) = &principal.organization {
        sql.push_str(" AND m.\"organization\" = ?");
        params.push(SqlValue::Text(limit.clone()));
    }
    sql.push_str(
        " UNION SELECT o.id FROM organizations o JOIN granted ON o.parent = granted.id) SELECT id FROM granted",
    );
    (sql, params)
}

/// Whether `principal` holds `permission` in `organization`, or anywhere when `None`.
pub fn holds(
    conn: &Connection,
    principal: &Principal,
    permission: &str,
    organization: Option<&str>,
) -> Result<bool, StoreError> {
    if principal.bypasses() {
        return Ok(true);
    }
    let (granting, mut params) = organizations_granting(principal, permission);
    let sql = match organization {
        Some(org) => {
            params.insert(0, SqlValue::Text(org.to_string()));
            format!("SELECT ? IN ({granting})")
        }
        None => format!("SELECT EXISTS ({granting})"),
    };
    Ok(conn.prepare_cached(&sql)?.query_row(params_from_iter(&params), |r| r.get(0))?)
}

/// `Ok` when `principal` holds `permission` in `organization` (anywhere for `None`), else 403.
pub fn require(
    conn: &Connection,
    principal: Option<&Principal>,
    permission: &str,
    organization: Option<&str>,
) -> Result<(), EngineError> {
    let principal = signed_in(principal)?;
    if holds(conn, principal, permission, organization)? { Ok(()) } else { Err(EngineError::PermissionDenied) }
}

/// Whether `principal` holds every entry of `wanted` (wildcards included) in `organization`,
/// or — for `None` — each somewhere. Guards against granting more than one holds.
pub fn holds_all(
    conn: &Connection,
    principal: &Principal,
    wanted: &[String],
    organization: Option<&str>,
) -> Result<bool, StoreError> {
    if principal.bypasses() {
        return Ok(true);
    }
    if let (Some(limit), Some(org)) = (&principal.organization, organization)
        && limit != org
    {
        return Ok(false);
    }
    let sql = "WITH RECURSIVE above(id, parent) AS (SELECT id, parent FROM organizations WHERE id = ?2 \
               UNION SELECT o.id, o.parent FROM organizations o JOIN above ON o.id = above.parent) \
               SELECT DISTINCT g.value FROM organization_memberships m JOIN roles r ON r.id = m.\"role\", \
               json_each(r.permissions) g WHERE m.\"user\" = ?1 AND m.is_active = 1 \
               AND (?2 IS NULL OR m.\"organization\" IN (SELECT id FROM above)) \
               AND (?3 IS NULL OR m.\"organization\" = ?3)";
    let mut stmt = conn.prepare_cached(sql)?;
    let params = rusqlite::params![principal.user_id, organization, principal.organization];
    let held: Vec<String> = stmt.query_map(params, |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(wanted.iter().all(|w| held.iter().any(|h| covers(h, w))))
}

/// `Ok` when `principal` holds every entry of `wanted` (see [`holds_all`]), else 403.
pub fn require_all(
    conn: &Connection,
    principal: Option<&Principal>,
    wanted: &[String],
    organization: Option<&str>,
) -> Result<(), EngineError> {
    let principal = signed_in(principal)?;
    if holds_all(conn, principal, wanted, organization)? { Ok(()) } else { Err(EngineError::PermissionDenied) }
}

/// The one organization the caller belongs to (actively), if there is exactly one.
pub fn sole_organization(conn: &Connection, principal: &Principal) -> Result<Option<String>, StoreError> {
    if let Some(limit) = &principal.organization {
        return Ok(Some(limit.clone()));
    }
    let sql = "SELECT \"organization\" FROM organization_memberships WHERE \"user\" = ?1 AND is_active = 1 LIMIT 2";
    let mut stmt = conn.prepare_cached(sql)?;
    let orgs: Vec<String> = stmt.query_map([&principal.user_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(if orgs.len() == 1 { orgs.into_iter().next() } else { None })
}
