//! Who may do what (DESIGN.md §6). A caller holds permissions (`<model>.<action>` strings,
//! with `*` wildcards) in two ways: through the roles of their active organization memberships
//! — in the member's organization and every organization below it, nowhere else — and
//! globally, through roles assigned to the user directly (`user-roles/`), which count for
//! shared data only. Superusers hold every permission. The engine asks here, per model scope,
//! which rows and users a caller sees and whether a write is allowed.

use rusqlite::params_from_iter;
use thiserror::Error;

use crate::store::paths;
use crate::store::{Connection, SqlValue, StoreError};

/// Why access was refused.
#[derive(Debug, Error)]
pub enum AccessError {
    #[error("authentication required")]
    NotAuthenticated,
    #[error("permission denied")]
    PermissionDenied,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub username: String,
    pub is_staff: bool,
    pub is_superuser: bool,
    /// Set when authenticated by an API key limited to one organization: only the owner's
    /// membership there counts, and superuser rights and global permissions do not apply.
    pub organization: Option<String>,
    /// How the caller proved who they are.
    pub credential: Credential,
}

/// How a request was authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A password login (bearer token or the pages' session): may manage the account.
    Session,
    /// An API key: data access only, never account management.
    ApiKey,
}

impl Principal {
    /// Whether every check passes for this caller.
    pub fn bypasses(&self) -> bool {
        self.is_superuser && self.organization.is_none()
    }
}

/// The caller, or 401.
pub fn signed_in(principal: Option<&Principal>) -> Result<&Principal, AccessError> {
    principal.ok_or(AccessError::NotAuthenticated)
}

/// SQL selecting the organizations of `principal`'s active memberships whose role grants
/// `permission` (the tops of the subtrees where it holds it), with its parameters.
fn granting_memberships(principal: &Principal, permission: &str) -> (String, Vec<SqlValue>) {
    let (model, action) = permission.split_once('.').unwrap_or((permission, ""));
    let mut sql = "SELECT m.\"organization\" FROM organization_memberships m JOIN roles r ON r.id = m.\"role\" \
                   WHERE m.\"user\" = ? AND m.is_active = 1 \
                   AND EXISTS (SELECT 1 FROM json_each(r.permissions) g WHERE g.value IN (?, ?, ?, '*'))"
        .to_string();
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
    (sql, params)
}

/// A CTE `granted(id)` of the organizations where `principal` holds `permission` through a
/// membership, with its parameters: those of their active memberships whose role grants it,
/// and every organization below those (a role in a parent applies to the whole subtree).
fn granted_cte(principal: &Principal, permission: &str) -> (String, Vec<SqlValue>) {
    let (memberships, params) = granting_memberships(principal, permission);
    let sql = format!(
        "granted(id) AS (SELECT o.id FROM organizations mo JOIN organizations o ON {} WHERE mo.id IN ({memberships}))",
        paths::in_subtree("o", "mo")
    );
    (sql, params)
}

/// SQL selecting the ids of the organizations where `principal` holds `permission` through a
/// membership (see [`granted_cte`]), with its parameters.
pub fn organizations_granting(principal: &Principal, permission: &str) -> (String, Vec<SqlValue>) {
    let (cte, params) = granted_cte(principal, permission);
    (format!("WITH {cte} SELECT id FROM granted"), params)
}

/// SQL selecting the organizations where `principal` holds `permission` and every
/// organization above them: the owners of rows that apply down their subtree (roles).
pub fn organizations_granting_or_above(principal: &Principal, permission: &str) -> (String, Vec<SqlValue>) {
    let (cte, params) = granted_cte(principal, permission);
    let sql = format!(
        "WITH {cte} SELECT a.id FROM organizations a WHERE EXISTS \
         (SELECT 1 FROM granted JOIN organizations g ON g.id = granted.id WHERE {})",
        paths::in_subtree("g", "a")
    );
    (sql, params)
}

/// SQL selecting the organizations where the user bound to its one parameter has an active
/// membership.
pub const ACTIVE_MEMBERSHIPS: &str =
    "SELECT m.\"organization\" FROM organization_memberships m WHERE m.\"user\" = ? AND m.is_active = 1";

/// A condition on the user id in `column`: the caller, or a user with an active membership in
/// an organization within the caller's reach (their active memberships' subtrees). Users are
/// referenced and shown only within organizations shared this way; `None` for superusers.
pub fn visible_users(principal: &Principal, column: &str) -> Option<(String, Vec<SqlValue>)> {
    if principal.bypasses() {
        return None;
    }
    let mut params = vec![SqlValue::Text(principal.user_id.clone()), SqlValue::Text(principal.user_id.clone())];
    let mut reach = format!(
        "SELECT o.id FROM organization_memberships m JOIN organizations mo ON mo.id = m.\"organization\" \
         JOIN organizations o ON {} WHERE m.\"user\" = ? AND m.is_active = 1",
        paths::in_subtree("o", "mo")
    );
    if let Some(limit) = &principal.organization {
        reach.push_str(" AND m.\"organization\" = ?");
        params.push(SqlValue::Text(limit.clone()));
    }
    let sql = format!(
        "({column} = ? OR {column} IN (SELECT s.\"user\" FROM organization_memberships s WHERE s.is_active = 1 \
         AND s.\"organization\" IN ({reach})))"
    );
    Some((sql, params))
}

/// Whether `principal` holds `permission` globally: a superuser, or a role assigned to the
/// user directly grants it. Keys limited to an organization hold nothing globally.
pub fn holds_globally(conn: &Connection, principal: &Principal, permission: &str) -> Result<bool, StoreError> {
    if principal.bypasses() {
        return Ok(true);
    }
    Ok(global_permissions(conn, principal)?.iter().any(|held| covers(held, permission)))
}

/// The permission entries of the roles assigned to `principal` directly.
fn global_permissions(conn: &Connection, principal: &Principal) -> Result<Vec<String>, StoreError> {
    if principal.organization.is_some() {
        return Ok(Vec::new());
    }
    let sql = "SELECT DISTINCT g.value FROM user_roles ur JOIN roles r ON r.id = ur.\"role\", \
               json_each(r.permissions) g WHERE ur.\"user\" = ?1";
    let mut stmt = conn.prepare_cached(sql)?;
    let held = stmt.query_map([&principal.user_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(held)
}

/// `Ok` when `principal` holds `permission` globally (see [`holds_globally`]), else 403.
pub fn require_globally(conn: &Connection, principal: Option<&Principal>, permission: &str) -> Result<(), AccessError> {
    let principal = signed_in(principal)?;
    if holds_globally(conn, principal, permission)? { Ok(()) } else { Err(AccessError::PermissionDenied) }
}

/// Whether `principal` holds `permission` through a membership in `organization`, or in any
/// organization when `None`.
pub fn holds(
    conn: &Connection,
    principal: &Principal,
    permission: &str,
    organization: Option<&str>,
) -> Result<bool, StoreError> {
    if principal.bypasses() {
        return Ok(true);
    }
    // One membership on the organization's path is enough: the memberships are few, the
    // subtrees they reach may be large.
    let (memberships, mut params) = granting_memberships(principal, permission);
    let sql = match organization {
        Some(org) => {
            params.push(SqlValue::Text(org.to_string()));
            let path = "(SELECT tree_path FROM organizations WHERE id = ?)";
            format!("SELECT EXISTS ({memberships} AND {})", paths::on_path("m.\"organization\"", path))
        }
        None => format!("SELECT EXISTS ({memberships})"),
    };
    Ok(conn.prepare_cached(&sql)?.query_row(params_from_iter(&params), |r| r.get(0))?)
}

/// `Ok` when `principal` holds `permission` in `organization` (anywhere for `None`), else 403.
pub fn require(
    conn: &Connection,
    principal: Option<&Principal>,
    permission: &str,
    organization: Option<&str>,
) -> Result<(), AccessError> {
    let principal = signed_in(principal)?;
    if holds(conn, principal, permission, organization)? { Ok(()) } else { Err(AccessError::PermissionDenied) }
}

/// Whether `principal` holds every entry of `wanted` (wildcards included) in `organization`
/// through memberships, or — for `None` — globally. Guards against granting more than one holds.
pub fn holds_all(
    conn: &Connection,
    principal: &Principal,
    wanted: &[String],
    organization: Option<&str>,
) -> Result<bool, StoreError> {
    if principal.bypasses() {
        return Ok(true);
    }
    let Some(organization) = organization else {
        let held = global_permissions(conn, principal)?;
        return Ok(wanted.iter().all(|w| held.iter().any(|h| covers(h, w))));
    };
    if principal.organization.as_deref().is_some_and(|limit| limit != organization) {
        return Ok(false);
    }
    let sql = format!(
        "SELECT DISTINCT g.value FROM organization_memberships m JOIN roles r ON r.id = m.\"role\", \
         json_each(r.permissions) g WHERE m.\"user\" = ?1 AND m.is_active = 1 \
         AND {} AND (?3 IS NULL OR m.\"organization\" = ?3)",
        paths::on_path("m.\"organization\"", "(SELECT tree_path FROM organizations WHERE id = ?2)")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
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
) -> Result<(), AccessError> {
    let principal = signed_in(principal)?;
    if holds_all(conn, principal, wanted, organization)? { Ok(()) } else { Err(AccessError::PermissionDenied) }
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

/// Whether a role entry `held` grants `wanted` (itself possibly a wildcard entry).
pub fn covers(held: &str, wanted: &str) -> bool {
    if held == "*" || held == wanted {
        return true;
    }
    let split = |p: &'_ str| -> (String, String) {
        let (m, a) = p.split_once('.').unwrap_or((p, ""));
        (m.to_string(), a.to_string())
    };
    let ((held_model, held_action), (model, action)) = (split(held), split(wanted));
    (held_model == "*" || held_model == model) && (held_action == "*" || held_action == action)
}
