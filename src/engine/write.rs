//! The write transaction of a create, update or delete, inside the writer: references the
//! caller may see, organizations taken from another row, object-level access, the model's
//! checks, tree placement, tracking columns, link fields, constraint failures as field
//! errors, and the audit entry.

use rusqlite::params_from_iter;
use serde_json::Value;

use super::crud::{fetch, fetch_visible, read_row, record_key};
use super::def::{Field, Kind};
use super::error::{EngineError, FieldErrors};
use super::input::{NewRow, merged, run_validator};
use super::model::{Model, Registry};
use super::scope;
use super::{Author, Record, Written, taken, tree, value};
use crate::access::Principal;
use crate::audit;
use crate::store::{Connection, OptionalExtension, SqlValue, StoreError};

/// Whose rules a write follows.
#[derive(Clone, Copy, Debug)]
pub enum Access<'a> {
    /// A caller's request: references must be visible to them, and the permissions and the
    /// model's guard apply.
    Caller(Option<&'a Principal>),
    /// A write Plinth decided on behalf of someone (accepting an invitation): validation,
    /// integrity checks and the audit trail apply; who may do it was settled by the code
    /// that asks.
    Trusted,
}

/// Inserts a prepared row inside the write's transaction: references, access (for callers),
/// the model's checks, tracking columns and the audit entry. Answers the stored row.
pub fn insert(
    conn: &Connection,
    registry: &'static Registry,
    model: &'static Model,
    author: &Author,
    row: NewRow,
    access: Access,
) -> Result<Record, EngineError> {
    let NewRow { mut values, mut proposed, audit, slug_made } = row;
    if slug_made {
        proposed = unique_slug(conn, model, &mut values)?;
    }
    refuse_reserved_lookup(model, &values)?;
    check_references(conn, registry, access, &values)?;
    taken::take(conn, registry, model, &mut values, &mut proposed)?;
    if let Access::Caller(principal) = access {
        scope::check_object(conn, model, principal, None, Some(&proposed))?;
        if let Some(guard) = model.def.guard {
            guard(conn, author, Some(&proposed), None)?;
        }
    }
    if let Some(check) = model.def.check {
        check(conn, author, Some(&proposed), None)?;
    }
    if let Some(tree) = &model.def.tree {
        let (level, path) = tree::place(conn, model, tree, &record_key(model, &proposed), &proposed, 0)?;
        set(&mut values, tree::LEVEL, SqlValue::Integer(level));
        set(&mut values, tree::PATH, SqlValue::Text(path));
    }
    let (links, values): (Vec<_>, Vec<_>) = values.into_iter().partition(|(f, _)| !f.kind.is_stored());
    let mut columns: Vec<&str> = values.iter().map(|(f, _)| f.name).collect();
    let mut params: Vec<SqlValue> = values.into_iter().map(|(_, v)| v).collect();
    if model.def.tracking {
        let now = crate::store::now();
        let user = author.user().map(str::to_string);
        let stamps = [
            ("created_at", Some(now.clone())),
            ("updated_at", Some(now)),
            ("created_by", user.clone()),
            ("updated_by", user),
        ];
        for (column, value) in stamps {
            columns.push(column);
            params.push(value.map_or(SqlValue::Null, SqlValue::Text));
        }
    }
    let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    let sql = format!(
        "INSERT INTO \"{}\" ({}) VALUES ({}) RETURNING {}",
        model.def.table,
        quoted.join(", "),
        vec!["?"; params.len()].join(", "),
        model.select_list
    );
    let mut created = returning(conn, model, &sql, &params)?;
    write_linked(conn, registry, model, author, access, &mut created, links)?;
    match audit {
        Some(entry) => audit::append(conn, entry)?,
        None => record_change(conn, model, author, audit::Action::Create, None, Some(&created))?,
    }
    after_write(conn, model, author, None, Some(&created))?;
    Ok(created)
}

/// Applies validated `values` to `existing` inside the write's transaction: fields that may not
/// change, the validator, references, access (for callers), the model's checks, tracking
/// columns and the audit entry. Answers the stored row.
pub fn apply_update(
    conn: &Connection,
    registry: &'static Registry,
    model: &'static Model,
    author: &Author,
    existing: Record,
    values: Vec<(Field, SqlValue)>,
    access: Access,
) -> Result<Record, EngineError> {
    let stored_key = record_key(model, &existing);
    let unchanged = |f: &Field, v: &SqlValue| {
        (f.name == model.def.key || f.create_only) && value::to_json(f.kind, v.clone()) == existing[f.name]
    };
    let mut values: Vec<(Field, SqlValue)> = values.into_iter().filter(|(f, v)| !unchanged(f, v)).collect();
    if let Some((field, _)) = values.iter().find(|(f, _)| f.name == model.def.key || f.create_only) {
        return Err(EngineError::Validation(FieldErrors::single(field.name, "This field cannot be changed once set.")));
    }
    let mut proposed = merged(&values, Some(&existing));
    run_validator(model, &proposed)?;
    refuse_reserved_lookup(model, &values)?;
    check_references(conn, registry, access, &values)?;
    taken::take(conn, registry, model, &mut values, &mut proposed)?;
    taken::refuse_leaving_dependants(conn, registry, model, &existing, &proposed)?;
    if let Access::Caller(principal) = access {
        scope::check_object(conn, model, principal, Some(&existing), Some(&proposed))?;
        if let Some(guard) = model.def.guard {
            guard(conn, author, Some(&proposed), Some(&existing))?;
        }
    }
    if let Some(check) = model.def.check {
        check(conn, author, Some(&proposed), Some(&existing))?;
    }
    let mut moved = None;
    if let Some(tree) = model.def.tree.as_ref().filter(|tree| tree::moves(tree, &existing, &proposed)) {
        let planned = tree::relocate(conn, model, tree, &existing, &proposed)?;
        set(&mut values, tree::LEVEL, SqlValue::Integer(planned.level));
        set(&mut values, tree::PATH, SqlValue::Text(planned.path.clone()));
        moved = Some(planned);
    }
    let (links, values): (Vec<_>, Vec<_>) = values.into_iter().partition(|(f, _)| !f.kind.is_stored());
    let mut sets: Vec<String> = values.iter().map(|(f, _)| format!("\"{}\" = ?", f.name)).collect();
    let mut params: Vec<SqlValue> = values.into_iter().map(|(_, v)| v).collect();
    if model.def.tracking {
        sets.push("\"updated_at\" = ?".into());
        params.push(SqlValue::Text(crate::store::now()));
        sets.push("\"updated_by\" = ?".into());
        params.push(author.user().map_or(SqlValue::Null, |u| SqlValue::Text(u.to_string())));
    }
    if sets.is_empty() {
        // Nothing of the row's own changes (a model without tracking): its links may.
        let mut updated = existing.clone();
        if !links.is_empty() {
            write_linked(conn, registry, model, author, access, &mut updated, links)?;
            log_write(conn, model, author, audit::Action::Update, Some(&existing), Some(&updated))?;
        }
        return Ok(updated);
    }
    params.push(SqlValue::Text(stored_key));
    let sql = format!(
        "UPDATE \"{}\" SET {} WHERE \"{}\" = ? RETURNING {}",
        model.def.table,
        sets.join(", "),
        model.def.key,
        model.select_list
    );
    let mut updated = returning(conn, model, &sql, &params)?;
    write_linked(conn, registry, model, author, access, &mut updated, links)?;
    if let Some(moved) = &moved {
        tree::rebase(conn, model, moved)?;
    }
    log_write(conn, model, author, audit::Action::Update, Some(&existing), Some(&updated))?;
    Ok(updated)
}

/// Deletes one row inside the write's transaction and records it.
pub(super) fn delete_row(
    conn: &Connection,
    model: &'static Model,
    author: &Author,
    key: &str,
) -> Result<(), EngineError> {
    let sql =
        format!("DELETE FROM \"{}\" WHERE \"{}\" = ? RETURNING {}", model.def.table, model.def.key, model.select_list);
    let deleted = conn.prepare_cached(&sql)?.query_row([key], |row| read_row(model, row)).optional();
    match deleted.map_err(StoreError::from) {
        Ok(None) => Err(EngineError::NotFound),
        Ok(Some(record)) => log_write(conn, model, author, audit::Action::Delete, Some(&record), None),
        Err(StoreError::ForeignKey) => Err(EngineError::Protected(format!(
            "Cannot delete this {} because other records refer to it.",
            model.def.label.to_lowercase()
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Runs an `INSERT` or `UPDATE … RETURNING` the model's columns: the stored row, or the
/// constraint it broke as field errors.
fn returning(conn: &Connection, model: &Model, sql: &str, params: &[SqlValue]) -> Result<Record, EngineError> {
    conn.prepare_cached(sql)?
        .query_row(params_from_iter(params), |row| read_row(model, row))
        .map_err(|e| constraint_error(model, e.into()))
}

/// Writes the linked fields (tags, child lists) of a row just inserted or updated, and shows
/// them in it.
fn write_linked(
    conn: &Connection,
    registry: &'static Registry,
    model: &Model,
    author: &Author,
    access: Access,
    row: &mut Record,
    linked: Vec<(Field, SqlValue)>,
) -> Result<(), EngineError> {
    let key = record_key(model, row);
    for (field, value) in linked {
        let SqlValue::Text(raw) = value else { continue };
        let stored = match field.kind {
            Kind::Tags => super::links::write_tags(conn, registry, author, model, &field, &key, &raw)?,
            Kind::Children { .. } => {
                super::nested::write_list(conn, registry, author, access, (model, row), &field, &raw)?
            }
            _ => continue,
        };
        row.insert(field.name.to_string(), stored);
    }
    Ok(())
}

/// Sets `field` in `values`, replacing a value it has.
pub(super) fn set(values: &mut Vec<(Field, SqlValue)>, field: Field, value: SqlValue) {
    values.retain(|(f, _)| f.name != field.name);
    values.push((field, value));
}

/// The values a model's URL lookup may not take: the names of its collection actions, whose
/// URLs (`categories/tree/`) would shadow the row's.
fn reserved_lookups(model: &Model) -> impl Iterator<Item = &'static str> + '_ {
    let lookup = model.def.lookup.unwrap_or(model.def.key);
    model.actions.iter().filter(|a| !a.detail).map(|a| a.name).filter(move |_| lookup != "id")
}

/// 400 on the lookup field when a write gives it a reserved value.
fn refuse_reserved_lookup(model: &Model, values: &[(Field, SqlValue)]) -> Result<(), EngineError> {
    let lookup = model.def.lookup.unwrap_or(model.def.key);
    let given = values.iter().find(|(f, _)| f.name == lookup).map(|(_, v)| v);
    match given {
        Some(SqlValue::Text(text)) if reserved_lookups(model).any(|name| name == text) => Err(EngineError::Validation(
            FieldErrors::single(lookup, format!("\"{text}\" is reserved: choose another.")),
        )),
        _ => Ok(()),
    }
}

/// Makes a slug made from a name unique among the table's: `-2`, `-3` … (in the writer).
fn unique_slug(conn: &Connection, model: &Model, values: &mut [(Field, SqlValue)]) -> Result<Record, EngineError> {
    let Some((slug_field, _)) = model.def.slug_from else { return Ok(merged(values, None)) };
    let Some((field, SqlValue::Text(base))) = values.iter().find(|(f, _)| f.name == slug_field).cloned() else {
        return Ok(merged(values, None));
    };
    let max = match field.kind {
        Kind::Slug { max } | Kind::Text { max } => max,
        _ => usize::MAX,
    };
    let sql = format!("SELECT EXISTS (SELECT 1 FROM \"{}\" WHERE \"{slug_field}\" = ?1)", model.def.table);
    let mut taken = conn.prepare_cached(&sql)?;
    let mut free = None;
    for n in 1..=1000 {
        let candidate = super::slug::candidate(&base, n, max);
        let reserved = reserved_lookups(model).any(|name| name == candidate);
        if !reserved && !taken.query_row([&candidate], |r| r.get::<_, bool>(0)).map_err(StoreError::from)? {
            free = Some(candidate);
            break;
        }
    }
    drop(taken);
    let free = free.ok_or_else(|| {
        EngineError::Validation(FieldErrors::single(slug_field, "Every slug made from this name is taken: enter one."))
    })?;
    if let Some((_, value)) = values.iter_mut().find(|(f, _)| f.name == slug_field) {
        *value = SqlValue::Text(free);
    }
    Ok(merged(values, None))
}

/// The audit entry of creating `proposed`, when the row the database will store is fully
/// known already (every audited column and everything the display names is there).
pub(super) fn created_entry(model: &Model, author: &Author, proposed: &Record) -> Option<audit::Prepared> {
    // Tags are stored by the names their tags already have, child lists with their ids:
    // known only in the writer.
    if !model.def.audited || model.columns.iter().any(|f| f.kind.is_linked()) {
        return None;
    }
    let audited = model.readable.iter().filter(|f| !model.not_audited.contains(&f.name));
    let mut row = Record::with_capacity(model.readable.len());
    for field in audited {
        row.insert(field.name.to_string(), proposed.get(field.name)?.clone());
    }
    let named = model.def.display.split('{').skip(1).filter_map(|part| part.split_once('}').map(|(name, _)| name));
    if named.clone().any(|name| !row.contains_key(name)) {
        return None;
    }
    Some(change_entry(model, author, audit::Action::Create, &row, audit::diff(None, Some(&row), &[])))
}

/// Every foreign key value must name an existing row the caller may see: another
/// organization's object, or a user who shares no organization with the caller, is as absent
/// as a missing one.
pub(super) fn check_references(
    conn: &Connection,
    registry: &Registry,
    access: Access,
    values: &[(Field, SqlValue)],
) -> Result<(), EngineError> {
    let mut errors = FieldErrors::new();
    for (field, v) in values {
        let (Kind::ForeignKey { model: target, .. }, SqlValue::Text(key)) = (field.kind, v) else { continue };
        let target = registry.get(target).ok_or(EngineError::NotFound)?;
        let found = match access {
            Access::Caller(principal) => fetch_visible(conn, target, principal, key)?,
            Access::Trusted => fetch(conn, target, key)?,
        };
        match (found, field.limit) {
            (None, _) => errors.add(field.name, format!("Invalid pk \"{key}\" - object does not exist.")),
            (Some(row), Some(limit)) if row.get(limit.column).and_then(Value::as_str) != Some(limit.value) => {
                errors.add(field.name, limit.message)
            }
            _ => {}
        }
    }
    errors.into_result()
}

/// Records a write in the audit trail (which is also the change feed) and runs the model's
/// after-write hook, in the write's transaction.
fn log_write(
    conn: &Connection,
    model: &'static Model,
    author: &Author,
    action: audit::Action,
    before: Option<&Record>,
    after: Option<&Record>,
) -> Result<(), EngineError> {
    record_change(conn, model, author, action, before, after)?;
    after_write(conn, model, author, before, after)
}

/// Runs the model's after-write hook.
fn after_write(
    conn: &Connection,
    model: &'static Model,
    author: &Author,
    before: Option<&Record>,
    after: Option<&Record>,
) -> Result<(), EngineError> {
    match model.def.after_write {
        Some(hook) => hook(conn, &Written { model, author, before, after }),
        None => Ok(()),
    }
}

/// The audit entry of a write that changed something (audited models only).
fn record_change(
    conn: &Connection,
    model: &'static Model,
    author: &Author,
    action: audit::Action,
    before: Option<&Record>,
    after: Option<&Record>,
) -> Result<(), EngineError> {
    let Some(record) = after.or(before).filter(|_| model.def.audited) else { return Ok(()) };
    let changes = audit::diff(before, after, &model.not_audited);
    if changes.as_object().is_none_or(|c| c.is_empty()) {
        return Ok(());
    }
    audit::append(conn, change_entry(model, author, action, record, changes))?;
    Ok(())
}

/// The audit entry of `action` on `record` with `changes`.
fn change_entry(
    model: &Model,
    author: &Author,
    action: audit::Action,
    record: &Record,
    changes: Value,
) -> audit::Prepared {
    audit::prepare(audit::Entry {
        action,
        user: author.user(),
        username: author.username(),
        organization: model.organization_of(record),
        model: model.def.name,
        object_id: &record_key(model, record),
        object_repr: &super::display(model.def.display, record),
        changes: Some(changes),
        context: &author.context,
    })
}

/// Turns a constraint the database enforced into the DRF field error: UNIQUE (`… with this
/// name already exists.`), CHECK and NOT NULL (which the engine's validation should have
/// caught; never a 500 either way).
pub(super) fn constraint_error(model: &Model, err: StoreError) -> EngineError {
    match err {
        StoreError::Check(field) => {
            let field = if model.column(&field).is_some() { field } else { "non_field_errors".into() };
            EngineError::Validation(FieldErrors::single(&field, "Ensure this value is valid."))
        }
        StoreError::NotNull(field) => {
            EngineError::Validation(FieldErrors::single(&field, "This field may not be null."))
        }
        StoreError::Unique { columns, .. } => {
            let label = model.def.label.to_lowercase();
            let errors = if columns.len() == 1 {
                FieldErrors::single(
                    &columns[0],
                    format!("{label} with this {} already exists.", columns[0].replace('_', " ")),
                )
            } else {
                FieldErrors::single(
                    "non_field_errors",
                    format!("The fields {} must make a unique set.", columns.join(", ")),
                )
            };
            EngineError::Validation(errors)
        }
        other => other.into(),
    }
}
