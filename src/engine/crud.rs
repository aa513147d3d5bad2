//! Generic create / read / update / delete for every model (lists are `list`'s): validation
//! against the definition, foreign-key and uniqueness errors as field errors, protected
//! deletes, and the tracking columns (`created_at`, `updated_by` …) filled by the engine.

use rusqlite::params_from_iter;
use serde_json::Value;

use super::def::{Field, Kind, Scope};
use super::error::{EngineError, FieldErrors};
use super::model::{Model, Registry, TRACKING};
use super::scope::{self, Verb};
use super::{Author, Caller, Record, Written, custom, tree, value};
use crate::access::{self, Principal};
use crate::audit;
use crate::feed::Change;
use crate::store::{Connection, Db, OptionalExtension, Row, SqlValue, StoreError};

/// Reads one object by its key.
pub fn retrieve(db: &Db, model: &'static Model, caller: &Caller, key: &str) -> Result<Record, EngineError> {
    scope::check_read(db, model, caller.principal.as_ref())?;
    db.read(|conn| fetch_visible(conn, model, caller.principal.as_ref(), key)?.ok_or(EngineError::NotFound))
}

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

/// Creates an object from a JSON body; answers the stored object.
pub fn create(
    db: &Db,
    registry: &'static Registry,
    model: &'static Model,
    caller: &Caller,
    body: &Value,
) -> Result<Record, EngineError> {
    scope::check_write(db, model, caller.principal.as_ref(), Verb::Add)?;
    let completed = with_sole_organization(db, model, caller.principal.as_ref(), body)?;
    let author = Author::of(caller);
    let definitions = custom_definitions(db, model)?;
    let row = prepare_create(model, &author, completed.as_ref().unwrap_or(body), &definitions)?;
    db.write(move |conn| {
        let access = Access::Caller(author.principal.as_ref());
        insert(conn, registry, model, &author, row, access)
    })
}

/// A row validated for insertion, prepared outside the writer.
pub struct NewRow {
    /// Column values to insert: the body's, defaults, and a generated key.
    values: Vec<(Field, SqlValue)>,
    /// The record as it will be stored (without tracking columns and lookups).
    proposed: Record,
    /// The audit entry, when the stored row is known before the write.
    audit: Option<audit::Prepared>,
    /// The slug was made from a name: the writer makes it unique.
    slug_made: bool,
}

/// Validates a create body outside the writer: column values with defaults (read-only
/// columns get theirs too, and a generated key its value), the model's validator, and — when
/// that settles the whole row — its audit entry, so the writer only inserts.
pub fn prepare_create(
    model: &Model,
    author: &Author,
    body: &Value,
    definitions: &[custom::Definition],
) -> Result<NewRow, EngineError> {
    let mut values = validate_input(model, body, Mode::Create)?;
    if let Some(key) = model.column(model.def.key).filter(|_| model.generated_key()) {
        values.push((*key, SqlValue::Text(crate::store::new_id())));
    }
    let tracking = |f: &Field| model.def.tracking && TRACKING.iter().any(|t| t.name == f.name);
    for field in model.stored().filter(|f| !tracking(f)) {
        if values.iter().any(|(f, _)| f.name == field.name) {
            continue;
        }
        let value = match (field.default, field.nullable, field.blank) {
            (Some(default), ..) => value::to_sql(field, &default.to_json())
                .map_err(|m| EngineError::Validation(FieldErrors::single(field.name, m)))?,
            (None, true, _) => SqlValue::Null,
            (None, false, true) => SqlValue::Text(String::new()),
            // Required and absent: refused above, or read-only and filled by the database.
            (None, false, false) => continue,
        };
        values.push((*field, value));
    }
    check_custom_fields(model, definitions, &mut values, true)?;
    let slug_made = make_slug(model, &mut values)?;
    let proposed = merged(&values, None);
    run_validator(model, &proposed)?;
    let audit = created_entry(model, author, &proposed).filter(|_| !slug_made);
    Ok(NewRow { values, proposed, audit, slug_made })
}

/// The custom field definitions of a model that has custom fields (none otherwise).
fn custom_definitions(db: &Db, model: &Model) -> Result<Vec<custom::Definition>, EngineError> {
    if !model.def.custom_fields {
        return Ok(Vec::new());
    }
    Ok(db.read(|conn| custom::definitions(conn, model.def.name))?)
}

/// Checks (and on create completes) the `custom_fields` value against the definitions.
fn check_custom_fields(
    model: &Model,
    definitions: &[custom::Definition],
    values: &mut Vec<(Field, SqlValue)>,
    creating: bool,
) -> Result<(), EngineError> {
    let Some(field) = model.column("custom_fields").copied().filter(|_| model.def.custom_fields) else { return Ok(()) };
    let given = values.iter().find(|(f, _)| f.name == field.name).and_then(|(_, v)| match v {
        SqlValue::Text(text) => serde_json::from_str::<serde_json::Map<String, Value>>(text).ok(),
        _ => None,
    });
    if let Some(checked) =
        custom::check_values(definitions, given.as_ref(), creating).map_err(EngineError::Validation)?
    {
        set(values, field, SqlValue::Text(Value::Object(checked).to_string()));
    }
    Ok(())
}

/// Fills a blank slug from its source field (`ModelDef::slug_from`); answers whether it did.
fn make_slug(model: &Model, values: &mut [(Field, SqlValue)]) -> Result<bool, EngineError> {
    let Some((slug_field, source)) = model.def.slug_from else { return Ok(false) };
    let text = |name: &str, values: &[(Field, SqlValue)]| match values.iter().find(|(f, _)| f.name == name) {
        Some((_, SqlValue::Text(t))) => t.clone(),
        _ => String::new(),
    };
    if !text(slug_field, values).is_empty() {
        return Ok(false);
    }
    let made = super::slug::slugify(&text(source, values));
    if made.is_empty() {
        let message = format!("The {source} gives no slug: enter one.");
        return Err(EngineError::Validation(FieldErrors::single(slug_field, message)));
    }
    if let Some((_, value)) = values.iter_mut().find(|(f, _)| f.name == slug_field) {
        *value = SqlValue::Text(made);
    }
    Ok(true)
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
        if !taken.query_row([&candidate], |r| r.get::<_, bool>(0)).map_err(StoreError::from)? {
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
fn created_entry(model: &Model, author: &Author, proposed: &Record) -> Option<audit::Prepared> {
    // Tags are stored by the names their tags already have: known only in the writer.
    if !model.def.audited || super::links::fields(model).next().is_some() {
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
    check_references(conn, registry, access, &values)?;
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
    let mut created = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(&params), |row| read_row(model, row))
        .map_err(|e| constraint_error(model, e.into()))?;
    write_links(conn, registry, model, author, &mut created, links)?;
    match audit {
        Some(entry) => audit::append(conn, entry)?,
        None => record_change(conn, model, author, Change::Create, None, Some(&created))?,
    }
    after_write(conn, model, author, None, Some(&created))?;
    Ok(created)
}

/// Writes the link fields (tags) of a row just inserted or updated, and shows them in it.
fn write_links(
    conn: &Connection,
    registry: &'static Registry,
    model: &Model,
    author: &Author,
    row: &mut Record,
    links: Vec<(Field, SqlValue)>,
) -> Result<(), EngineError> {
    let key = record_key(model, row);
    for (field, value) in links {
        let SqlValue::Text(names) = value else { continue };
        let stored = super::links::write_tags(conn, registry, author, model, &field, &key, &names)?;
        row.insert(field.name.to_string(), stored);
    }
    Ok(())
}

/// Sets `field` in `values`, replacing a value it has.
fn set(values: &mut Vec<(Field, SqlValue)>, field: Field, value: SqlValue) {
    values.retain(|(f, _)| f.name != field.name);
    values.push((field, value));
}

/// An organization-scoped create may leave out `organization` when the caller belongs to
/// exactly one (API.md, Values): the body completed with it, or `None` to use it as sent.
fn with_sole_organization(
    db: &Db,
    model: &Model,
    principal: Option<&Principal>,
    body: &Value,
) -> Result<Option<Value>, EngineError> {
    let (Scope::Organization, Some(object), Some(principal)) = (model.def.scope, body.as_object(), principal) else {
        return Ok(None);
    };
    if object.contains_key("organization") {
        return Ok(None);
    }
    let principal = principal.clone();
    let sole = db.read(move |conn| Ok::<_, EngineError>(access::sole_organization(conn, &principal)?))?;
    Ok(sole.map(|org| {
        let mut object = object.clone();
        object.insert("organization".into(), Value::String(org));
        Value::Object(object)
    }))
}

/// Updates an object: `partial` for PATCH, else PUT (required fields must be present).
pub fn update(
    db: &Db,
    registry: &'static Registry,
    model: &'static Model,
    caller: &Caller,
    key: &str,
    body: &Value,
    partial: bool,
) -> Result<Record, EngineError> {
    scope::check_write(db, model, caller.principal.as_ref(), Verb::Change)?;
    let mode = if partial { Mode::Patch } else { Mode::Put };
    // Like DRF, an unknown object is 404 before its body is judged: only a body that fails
    // validation costs a look-up here (the write itself re-reads the row).
    let not_found_first = |invalid| match db.read(|conn| fetch_visible(conn, model, caller.principal.as_ref(), key)) {
        Ok(None) => EngineError::NotFound,
        _ => invalid,
    };
    let mut values = validate_input(model, body, mode).map_err(not_found_first)?;
    let definitions = custom_definitions(db, model)?;
    check_custom_fields(model, &definitions, &mut values, false).map_err(not_found_first)?;
    let author = Author::of(caller);
    let key = key.to_string();
    db.write(move |conn| {
        let existing = fetch_visible(conn, model, author.principal.as_ref(), &key)?.ok_or(EngineError::NotFound)?;
        let access = Access::Caller(author.principal.as_ref());
        apply_update(conn, registry, model, &author, existing, values, access)
    })
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
    let proposed = merged(&values, Some(&existing));
    run_validator(model, &proposed)?;
    check_references(conn, registry, access, &values)?;
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
            write_links(conn, registry, model, author, &mut updated, links)?;
            log_write(conn, model, author, Change::Update, Some(&existing), Some(&updated))?;
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
    let mut updated = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(&params), |row| read_row(model, row))
        .map_err(|e| constraint_error(model, e.into()))?;
    write_links(conn, registry, model, author, &mut updated, links)?;
    if let Some(moved) = &moved {
        tree::rebase(conn, model, moved)?;
    }
    log_write(conn, model, author, Change::Update, Some(&existing), Some(&updated))?;
    Ok(updated)
}

/// Deletes an object; `409 protected` while other rows reference it.
pub fn delete(db: &Db, model: &'static Model, caller: &Caller, key: &str) -> Result<(), EngineError> {
    scope::check_write(db, model, caller.principal.as_ref(), Verb::Delete)?;
    let key = key.to_string();
    let author = Author::of(caller);
    db.write(move |conn| {
        // Only scoped models and those with a check or guard need the row before it goes; a
        // plain global delete is one statement in the writer.
        let def = model.def;
        if def.scope != Scope::Global || def.check.is_some() || def.guard.is_some() || def.tree.is_some() {
            let principal = author.principal.as_ref();
            let existing = fetch_visible(conn, model, principal, &key)?.ok_or(EngineError::NotFound)?;
            scope::check_object(conn, model, principal, Some(&existing), None)?;
            for check in [def.guard, def.check].into_iter().flatten() {
                check(conn, &author, None, Some(&existing))?;
            }
            if let Some(tree) = &def.tree {
                let path = existing.get(tree::PATH.name).and_then(Value::as_str).unwrap_or_default();
                for below in tree::cascade_order(conn, model, tree, path)? {
                    delete_row(conn, model, &author, &below)?;
                }
            }
        }
        delete_row(conn, model, &author, &key)
    })
}

/// Deletes one row inside the write's transaction and records it.
fn delete_row(conn: &Connection, model: &'static Model, author: &Author, key: &str) -> Result<(), EngineError> {
    let sql =
        format!("DELETE FROM \"{}\" WHERE \"{}\" = ? RETURNING {}", model.def.table, model.def.key, model.select_list);
    let deleted = conn.prepare_cached(&sql)?.query_row([key], |row| read_row(model, row)).optional();
    match deleted.map_err(StoreError::from) {
        Ok(None) => Err(EngineError::NotFound),
        Ok(Some(record)) => log_write(conn, model, author, Change::Delete, Some(&record), None),
        Err(StoreError::ForeignKey) => Err(EngineError::Protected(format!(
            "Cannot delete this {} because other records refer to it.",
            model.def.label.to_lowercase()
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Records a write in the audit trail (which is also the change feed) and runs the model's
/// after-write hook, in the write's transaction.
fn log_write(
    conn: &Connection,
    model: &'static Model,
    author: &Author,
    change: Change,
    before: Option<&Record>,
    after: Option<&Record>,
) -> Result<(), EngineError> {
    record_change(conn, model, author, change, before, after)?;
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
    change: Change,
    before: Option<&Record>,
    after: Option<&Record>,
) -> Result<(), EngineError> {
    let Some(record) = after.or(before).filter(|_| model.def.audited) else { return Ok(()) };
    let changes = audit::diff(before, after, &model.not_audited);
    if changes.as_object().is_none_or(|c| c.is_empty()) {
        return Ok(());
    }
    let action = match change {
        Change::Create => audit::Action::Create,
        Change::Update => audit::Action::Update,
        Change::Delete => audit::Action::Delete,
    };
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

/// A record's key as text.
pub fn record_key(model: &Model, record: &Record) -> String {
    match record.get(model.def.key) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// Reads one row by key if the caller may see it.
pub fn fetch_visible(
    conn: &Connection,
    model: &Model,
    principal: Option<&Principal>,
    key: &str,
) -> Result<Option<Record>, EngineError> {
    let Some(visible) = scope::visible(model, principal)? else { return fetch(conn, model, key) };
    let sql = format!(
        "SELECT {} FROM \"{}\" WHERE \"{}\" = ? AND {}",
        model.select_list, model.def.table, model.def.key, visible.text
    );
    let mut params = vec![SqlValue::Text(key.to_string())];
    params.extend(visible.params);
    let row = conn.prepare_cached(&sql)?.query_row(params_from_iter(&params), |row| read_row(model, row)).optional();
    Ok(row.map_err(StoreError::from)?)
}

/// Reads one row by key on any connection.
pub fn fetch(conn: &Connection, model: &Model, key: &str) -> Result<Option<Record>, EngineError> {
    let sql = format!("SELECT {} FROM \"{}\" WHERE \"{}\" = ?", model.select_list, model.def.table, model.def.key);
    Ok(conn.prepare_cached(&sql)?.query_row([key], |row| read_row(model, row)).optional().map_err(StoreError::from)?)
}

/// Converts a row selected with `model.select_list` into API JSON.
pub fn read_row(model: &Model, row: &Row) -> rusqlite::Result<Record> {
    let mut record = Record::with_capacity(model.readable.len());
    for (i, field) in model.readable.iter().enumerate() {
        let raw: SqlValue = row.get(i)?;
        record.insert(field.name.to_string(), value::to_json(field.kind, raw));
    }
    Ok(record)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Create,
    Put,
    Patch,
}

/// Validates a request body: an object, no unknown fields, read-only fields ignored, each
/// value valid for its field, required fields present (create and PUT).
fn validate_input(model: &Model, body: &Value, mode: Mode) -> Result<Vec<(Field, SqlValue)>, EngineError> {
    let Some(object) = body.as_object() else {
        let got = value::python_type(body);
        return FieldErrors::single("non_field_errors", format!("Invalid data. Expected a dictionary, but got {got}."))
            .into_result()
            .map(|()| Vec::new());
    };
    let mut errors = FieldErrors::new();
    let mut values = Vec::with_capacity(object.len());
    for (name, raw) in object {
        match model.column(name) {
            None => errors.add(name, "Unknown field."),
            Some(field) if field.read_only => {}
            Some(field) => match value::to_sql(field, raw) {
                Ok(v) => values.push((*field, v)),
                Err(message) => errors.add(name, message),
            },
        }
    }
    if mode != Mode::Patch {
        // A password is set on create; replacing an object (PUT) keeps it unless given.
        let needed = |f: &&Field| f.required() && !(mode == Mode::Put && f.write_only());
        for field in model.writable().filter(needed).filter(|f| !object.contains_key(f.name)) {
            errors.add(field.name, "This field is required.");
        }
    }
    errors.into_result().map(|()| values)
}

/// The record as it would be stored: `existing` with `values` applied.
fn merged(values: &[(Field, SqlValue)], existing: Option<&Record>) -> Record {
    let mut merged = existing.cloned().unwrap_or_default();
    for (field, v) in values {
        merged.insert(field.name.to_string(), value::to_json(field.kind, v.clone()));
    }
    merged
}

/// Runs the model's cross-field validator over the record as it would be stored.
fn run_validator(model: &Model, proposed: &Record) -> Result<(), EngineError> {
    let Some(validate) = model.def.validate else { return Ok(()) };
    validate(proposed).map_err(EngineError::Validation)
}

/// Every foreign key value must name an existing row the caller may see: another
/// organization's object, or a user who shares no organization with the caller, is as absent
/// as a missing one.
fn check_references(
    conn: &Connection,
    registry: &Registry,
    access: Access,
    values: &[(Field, SqlValue)],
) -> Result<(), EngineError> {
    let mut errors = FieldErrors::new();
    for (field, v) in values {
        let (Kind::ForeignKey { model: target, .. }, SqlValue::Text(key)) = (field.kind, v) else { continue };
        let target = registry.get(target).ok_or(EngineError::NotFound)?;
        let exists = match access {
            Access::Caller(principal) => fetch_visible(conn, target, principal, key)?.is_some(),
            Access::Trusted => fetch(conn, target, key)?.is_some(),
        };
        if !exists {
            errors.add(field.name, format!("Invalid pk \"{key}\" - object does not exist."));
        }
    }
    errors.into_result()
}

/// Table and key column a foreign key to `target` points at.
pub fn target_table<'a>(registry: &'a Registry, target: &'a str) -> (&'a str, &'a str) {
    match registry.get(target) {
        Some(model) => (model.def.table, model.def.key),
        None => ("users", "id"),
    }
}

/// Turns a constraint the database enforced into the DRF field error: UNIQUE (`… with this
/// name already exists.`), CHECK and NOT NULL (which the engine's validation should have
/// caught; never a 500 either way).
fn constraint_error(model: &Model, err: StoreError) -> EngineError {
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
