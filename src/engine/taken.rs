//! Organizations taken from another row (`ModelDef::organization_from`): a stock location is
//! in its warehouse's organization. The engine sets it on every write, before access is
//! checked — a location is added (and needs `add`) where its warehouse is — so it can never
//! differ; and a row does not move to another organization while rows take theirs from it.

use serde_json::Value;

use super::def::{Field, Kind};
use super::error::{EngineError, FieldErrors};
use super::model::{Model, Registry};
use super::{Record, write};
use crate::store::{Connection, OptionalExtension, SqlValue, StoreError};

const ORGANIZATION: &str = "organization";

/// Gives `proposed` (and the `values` to store) the organization of the row its
/// `organization_from` foreign key points at, when that differs from the one it has.
pub(super) fn take(
    conn: &Connection,
    registry: &Registry,
    model: &Model,
    values: &mut Vec<(Field, SqlValue)>,
    proposed: &mut Record,
) -> Result<(), EngineError> {
    let Some(via) = model.def.organization_from else { return Ok(()) };
    let (Some(key), Some(field), Some(target)) = (
        proposed.get(via).and_then(Value::as_str),
        model.column(ORGANIZATION),
        model.column(via).and_then(|f| match f.kind {
            Kind::ForeignKey { model, .. } => registry.get(model),
            _ => None,
        }),
    ) else {
        return Ok(());
    };
    let sql = format!("SELECT \"{ORGANIZATION}\" FROM \"{}\" WHERE \"{}\" = ?1", target.def.table, target.def.key);
    let found: Option<String> =
        conn.prepare_cached(&sql)?.query_row([key], |r| r.get(0)).optional().map_err(StoreError::from)?;
    // A missing row was refused as a reference already.
    let Some(organization) = found else { return Ok(()) };
    if proposed.get(ORGANIZATION).and_then(Value::as_str) != Some(organization.as_str()) {
        write::set(values, *field, SqlValue::Text(organization.clone()));
        proposed.insert(ORGANIZATION.into(), Value::String(organization));
    }
    Ok(())
}

/// An update moving `existing` to another organization is refused (400 on `organization`)
/// while rows of a model taking its organization from this one point at it, or while rows of
/// an organization-scoped model in another organization refer to it (a warehouse's address
/// cannot leave the warehouse's wall).
pub(super) fn refuse_leaving_dependants(
    conn: &Connection,
    registry: &Registry,
    model: &Model,
    existing: &Record,
    proposed: &Record,
) -> Result<(), EngineError> {
    if model.def.scope.organization_field() != Some(ORGANIZATION)
        || existing.get(ORGANIZATION) == proposed.get(ORGANIZATION)
    {
        return Ok(());
    }
    let key = super::crud::record_key(model, existing);
    for dependant in registry.models() {
        let Some(via) = dependant.def.organization_from else { continue };
        let points_here = dependant
            .column(via)
            .is_some_and(|f| matches!(f.kind, Kind::ForeignKey { model: target, .. } if target == model.def.name));
        if !points_here {
            continue;
        }
        let sql = format!("SELECT EXISTS (SELECT 1 FROM \"{}\" WHERE \"{via}\" = ?1)", dependant.def.table);
        let used: bool = conn.prepare_cached(&sql)?.query_row([&key], |r| r.get(0)).map_err(StoreError::from)?;
        if used {
            let rows = dependant.def.plural.replace('-', " ");
            return Err(EngineError::Validation(FieldErrors::single(
                ORGANIZATION,
                format!("This cannot change while {rows} take their organization from it."),
            )));
        }
    }
    let moved_to = proposed.get(ORGANIZATION).and_then(serde_json::Value::as_str);
    for referrer in registry.models().iter().filter(|m| m.def.scope.organization_field() == Some(ORGANIZATION)) {
        let fields = referrer.columns.iter().filter(|f| f.name != ORGANIZATION);
        for field in
            fields.filter(|f| matches!(f.kind, Kind::ForeignKey { model: target, .. } if target == model.def.name))
        {
            let sql = format!(
                "SELECT EXISTS (SELECT 1 FROM \"{}\" WHERE \"{}\" = ?1 AND \"{ORGANIZATION}\" IS NOT ?2)",
                referrer.def.table, field.name
            );
            let used: bool = conn
                .prepare_cached(&sql)?
                .query_row(rusqlite::params![key, moved_to], |r| r.get(0))
                .map_err(StoreError::from)?;
            if used {
                let rows = referrer.def.plural.replace('-', " ");
                return Err(EngineError::Validation(FieldErrors::single(
                    ORGANIZATION,
                    format!("This cannot leave the organization of the {rows} that use it."),
                )));
            }
        }
    }
    Ok(())
}
