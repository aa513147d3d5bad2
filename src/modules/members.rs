//! How people join an organization (DESIGN.md §6): an invitation (`invitations/`) for a
//! username or an e-mail address that the invited user accepts or declines
//! (`users/me/invitations/`), or an account its admin creates directly
//! (`organizations/{id}/create-user/`). Nobody is pulled into an organization unasked, an
//! invitation reveals nothing about who has an account, and nobody hands out more than they
//! hold.

use serde_json::{Map, Value, json};

use super::roles::{
    no_escalation_by_membership, role_not_usable, role_permissions, role_usable_in, role_usable_in_membership,
};
use crate::access::{self, Credential, Principal};
use crate::engine::crud;
use crate::engine::input;
use crate::engine::write::{self, Access};
use crate::engine::{
    ActionCall, ActionOutput, Author, Caller, EngineError, Field, FieldErrors, Index, ModelDef, OnDelete, Record,
    Registry, Scope, TableCheck,
};
use crate::store::{Connection, Db, OptionalExtension, SqlValue, StoreError, now};

/// What became of an invitation.
pub const INVITATION_STATUSES: &[&str] = &["pending", "accepted", "declined"];

pub const INVITATION: ModelDef = ModelDef {
    fields: &[
        Field::foreign_key("organization", "organization", OnDelete::Cascade)
            .help("The organization to join; may be omitted when you belong to exactly one."),
        Field::lookup("organization_name", "organization", "name"),
        Field::foreign_key("role", "role", OnDelete::Cascade)
            .help("The role the invited person gets; you must hold everything it grants."),
        Field::lookup("role_name", "role", "name"),
        Field::text("username", 150).blank().nocase().help("Who is invited: a username, an e-mail address, or both."),
        Field::email("email").blank().nocase().help("Also where the invitation is mailed."),
        Field::long_text("message").blank(),
        Field::choice("status", INVITATION_STATUSES).default(crate::engine::Default::Text("pending")).read_only(),
        Field::datetime("expires_at")
            .default(crate::engine::Default::DaysFromNow(14))
            .read_only()
            .help("Fourteen days after the invitation was made."),
        Field::datetime("responded_at").nullable().read_only(),
    ],
    scope: Scope::Organization,
    search: &["username", "email"],
    filters: &["status", "role", "username", "email", "organization", "created_at"],
    ordering: &["created_at", "expires_at", "status"],
    default_order: &["-created_at"],
    // An organization's invitations are few.
    unindexed: &["expires_at"],
    indexes: &[
        Index::on(&["username"]).filtered("\"status\" = 'pending' AND \"username\" <> ''"),
        Index::on(&["email"]).filtered("\"status\" = 'pending' AND \"email\" <> ''"),
    ],
    checks: &[TableCheck { field: "non_field_errors", sql: "\"username\" <> '' OR \"email\" <> ''" }],
    display: "{username} {email} to {organization_name}",
    list_columns: &["username", "email", "role_name", "status", "expires_at"],
    validate: Some(validate_invitation),
    check: Some(role_usable_in_membership),
    guard: Some(no_escalation_by_membership),
    after_write: Some(mail_invitation),
    area: "organization",
    ..ModelDef::base("invitation", "Invitation", "invitations", "invitations")
};

fn validate_invitation(record: &Record) -> Result<(), FieldErrors> {
    let blank = |name: &str| record.get(name).and_then(Value::as_str).is_none_or(str::is_empty);
    if blank("username") && blank("email") {
        return Err(FieldErrors::single("non_field_errors", "Give the username or the e-mail address to invite."));
    }
    Ok(())
}

/// A new invitation is mailed to its address, or to the invited account's address when only
/// a username was given (the inviter learns nothing either way).
fn mail_invitation(conn: &Connection, written: &crate::engine::Written) -> Result<(), EngineError> {
    let (None, Some(invitation)) = (written.before, written.after) else { return Ok(()) };
    let text = |name: &str| invitation.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
    let mut to = text("email");
    if to.is_empty() {
        let sql = "SELECT email FROM users WHERE username = ?1 AND is_active = 1";
        to = conn
            .query_row(sql, [text("username")], |r| r.get(0))
            .optional()
            .map_err(StoreError::from)?
            .unwrap_or_default();
    }
    if to.is_empty() {
        return Ok(());
    }
    let body = format!(
        "Hello,\n\n{} invited you to join {} in Plinth as {}.\n{}\nSign in and accept it under your invitations \
         (GET /api/v1/users/me/invitations/) before {}.\n",
        written.author.username(),
        text("organization_name"),
        text("role_name"),
        text("message"),
        text("expires_at"),
    );
    crate::mail::queue(conn, &to, &format!("Invitation to {}", text("organization_name")), &body)?;
    Ok(())
}

/// Pending, unexpired invitations addressed to the caller (by username or e-mail address),
/// newest first, as a list answer's objects.
pub fn received(db: &Db, principal: &Principal) -> Result<Vec<Value>, EngineError> {
    let user = principal.user_id.clone();
    db.read(move |conn| {
        let sql = format!(
            "SELECT i.id, i.organization, o.name, i.\"role\", r.name, i.message, coalesce(inviter.username, ''), \
             i.created_at, i.expires_at FROM invitations i JOIN organizations o ON o.id = i.organization \
             JOIN roles r ON r.id = i.\"role\" LEFT JOIN users inviter ON inviter.id = i.created_by \
             WHERE {ADDRESSED} ORDER BY i.created_at DESC"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params![user, now()], |r| {
            Ok(json!({
                "id": r.get::<_, String>(0)?, "organization": r.get::<_, String>(1)?,
                "organization_name": r.get::<_, String>(2)?, "role": r.get::<_, String>(3)?,
                "role_name": r.get::<_, String>(4)?, "message": r.get::<_, String>(5)?,
                "invited_by": r.get::<_, String>(6)?, "created_at": r.get::<_, String>(7)?,
                "expires_at": r.get::<_, String>(8)?,
            }))
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>().map_err(StoreError::from)?)
    })
}

/// The condition selecting invitations addressed to the user bound to `?1` and still open at
/// `?2` (alias `i`).
const ADDRESSED: &str = "i.status = 'pending' AND i.expires_at > ?2 AND EXISTS (SELECT 1 FROM users u WHERE u.id = ?1 \
     AND ((i.username <> '' AND i.username = u.username) OR (i.email <> '' AND i.email = u.email)))";

/// Accepts (joining the organization with the invitation's role) or declines an invitation
/// addressed to the caller; answers the membership, or the declined invitation.
pub fn respond(
    db: &Db,
    registry: &'static Registry,
    caller: &Caller,
    id: &str,
    accept: bool,
) -> Result<Record, EngineError> {
    let author = Author::of(caller);
    let user = author.user().ok_or(EngineError::NotAuthenticated)?.to_string();
    let id = id.to_string();
    db.write(move |conn| {
        let invitations = model(registry, "invitation")?;
        let sql = format!("SELECT i.id FROM invitations i WHERE i.id = ?3 AND {ADDRESSED}");
        let open: Option<String> = conn
            .query_row(&sql, rusqlite::params![user, now(), id], |r| r.get(0))
            .optional()
            .map_err(StoreError::from)?;
        let invitation = match open {
            Some(id) => crud::fetch(conn, invitations, &id)?.ok_or(EngineError::NotFound)?,
            None => return Err(EngineError::NotFound),
        };
        let status = if accept { "accepted" } else { "declined" };
        let mut answer = None;
        if accept {
            answer = Some(join(conn, registry, &author, &user, &invitation)?);
        }
        let values = vec![
            (column(invitations, "status")?, SqlValue::Text(status.into())),
            (column(invitations, "responded_at")?, SqlValue::Text(now())),
        ];
        let responded = write::apply_update(conn, registry, invitations, &author, invitation, values, Access::Trusted)?;
        Ok(answer.unwrap_or(responded))
    })
}

/// Makes `user` a member as `invitation` says, if its author may still grant that role there.
fn join(
    conn: &Connection,
    registry: &'static Registry,
    author: &Author,
    user: &str,
    invitation: &Record,
) -> Result<Record, EngineError> {
    let text = |name: &str| invitation.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
    let (organization, role) = (text("organization"), text("role"));
    if !inviter_may_still_grant(conn, &text("created_by"), &organization, &role)? {
        return Err(EngineError::Validation(FieldErrors::single(
            "non_field_errors",
            "Whoever invited you may no longer grant this role; ask for a new invitation.",
        )));
    }
    if !role_usable_in(conn, &role, &organization)? {
        return Err(role_not_usable());
    }
    let memberships = model(registry, "organizationmembership")?;
    let existing: Option<String> = conn
        .query_row(
            "SELECT id FROM organization_memberships WHERE \"user\" = ?1 AND organization = ?2",
            [user, organization.as_str()],
            |r| r.get(0),
        )
        .optional()
        .map_err(StoreError::from)?;
    match existing {
        Some(id) => {
            let current = crud::fetch(conn, memberships, &id)?.ok_or(EngineError::NotFound)?;
            let values = vec![
                (column(memberships, "role")?, SqlValue::Text(role)),
                (column(memberships, "is_active")?, SqlValue::Integer(1)),
            ];
            write::apply_update(conn, registry, memberships, author, current, values, Access::Trusted)
        }
        None => {
            let body = json!({ "user": user, "organization": organization, "role": role, "is_active": true });
            let row = input::prepare_create(memberships, author, &body, &[])?;
            write::insert(conn, registry, memberships, author, row, Access::Trusted)
        }
    }
}

/// Whether the inviter (still an active user) may still invite to `organization` and holds
/// everything `role` grants there.
fn inviter_may_still_grant(
    conn: &Connection,
    inviter: &str,
    organization: &str,
    role: &str,
) -> Result<bool, EngineError> {
    let found = conn
        .query_row(
            "SELECT username, is_staff, is_superuser FROM users WHERE id = ?1 AND is_active = 1",
            [inviter],
            |r| {
                Ok(Principal {
                    user_id: inviter.to_string(),
                    username: r.get(0)?,
                    is_staff: r.get(1)?,
                    is_superuser: r.get(2)?,
                    organization: None,
                    credential: Credential::Session,
                })
            },
        )
        .optional()
        .map_err(StoreError::from)?;
    let Some(inviter) = found else { return Ok(false) };
    let granted = role_permissions(conn, role)?;
    Ok(access::holds(conn, &inviter, "invitation.add", Some(organization))?
        && access::holds_all(conn, &inviter, &granted, Some(organization))?)
}

/// Fields of the account an organization's admin creates.
const NEW_USER_FIELDS: &[&str] = &["username", "password", "email", "first_name", "last_name"];

/// `POST organizations/{id}/create-user/` `{username, password, email?, first_name?,
/// last_name?, role}`: a new account that is a member of this organization with `role`, in
/// one transaction. The engine has checked `organization.create-user` there; the caller must
/// also hold everything the role grants.
pub fn create_user(call: &ActionCall) -> Result<ActionOutput, EngineError> {
    let principal = access::signed_in(call.caller.principal.as_ref())?.clone();
    let body = call.body.and_then(Value::as_object).cloned().unwrap_or_default();
    let mut errors = FieldErrors::new();
    let mut account = Map::new();
    let mut role = None;
    for (name, value) in body {
        match name.as_str() {
            "role" => role = Some(value),
            known if NEW_USER_FIELDS.contains(&known) => {
                account.insert(name, value);
            }
            _ => errors.add(&name, "Unknown field."),
        }
    }
    let role = match role {
        Some(Value::String(role)) if !role.is_empty() => Some(role),
        None => {
            errors.add("role", "This field is required.");
            None
        }
        Some(_) => {
            errors.add("role", "Enter the role's id.");
            None
        }
    };
    errors.into_result()?;
    let users = model(call.registry, "user")?;
    let author = Author::of(call.caller);
    let new_user = input::prepare_create(users, &author, &Value::Object(account), &[])?;
    let registry = call.registry;
    let organization = call.key.unwrap_or_default().to_string();
    let role = role.unwrap_or_default();
    let created = call.db.write(move |conn| {
        let memberships = model(registry, "organizationmembership")?;
        let roles = model(registry, "role")?;
        if crud::fetch_visible(conn, roles, Some(&principal), &role)?.is_none() {
            let message = format!("Invalid pk \"{role}\" - object does not exist.");
            return Err(EngineError::Validation(FieldErrors::single("role", message)));
        }
        if !role_usable_in(conn, &role, &organization)? {
            return Err(role_not_usable());
        }
        access::require_all(conn, Some(&principal), &role_permissions(conn, &role)?, Some(&organization))?;
        let user = write::insert(conn, registry, users, &author, new_user, Access::Trusted)?;
        let body = json!({ "user": user["id"], "organization": organization, "role": role, "is_active": true });
        let row = input::prepare_create(memberships, &author, &body, &[])?;
        let membership = write::insert(conn, registry, memberships, &author, row, Access::Trusted)?;
        Ok::<_, EngineError>(json!({ "user": user, "membership": membership }))
    })?;
    Ok(ActionOutput::Created(created))
}

fn model(registry: &'static Registry, name: &str) -> Result<&'static crate::engine::Model, EngineError> {
    registry.get(name).ok_or(EngineError::NotFound)
}

fn column(model: &crate::engine::Model, name: &str) -> Result<Field, EngineError> {
    model.column(name).copied().ok_or(EngineError::NotFound)
}
