//! Writing query rows straight to JSON text: list pages serialize each row from SQLite's
//! borrowed values, without building an intermediate map per row.

use rust_decimal::Decimal;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;

use super::def::Kind;
use super::model::Model;
use crate::store::{Row, StoreError};

/// One row (selected with `model.select_list`) as a JSON object.
struct RowJson<'a> {
    model: &'a Model,
    row: &'a Row<'a>,
}

impl Serialize for RowJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use rusqlite::types::ValueRef;
        use serde::ser::Error;
        let mut map = serializer.serialize_map(Some(self.model.readable.len()))?;
        for (i, field) in self.model.readable.iter().enumerate() {
            let value = self.row.get_ref(i).map_err(S::Error::custom)?;
            map.serialize_key(field.name)?;
            match (field.kind, value) {
                (_, ValueRef::Null) => map.serialize_value(&())?,
                (Kind::Boolean, ValueRef::Integer(i)) => map.serialize_value(&(i != 0))?,
                (Kind::Decimal { scale, .. }, ValueRef::Integer(i)) => {
                    map.serialize_value(&Decimal::new(i, scale).to_string())?
                }
                (Kind::Json(_) | Kind::Tags | Kind::Children { .. } | Kind::Details { .. }, ValueRef::Text(t)) => {
                    let text = std::str::from_utf8(t).map_err(S::Error::custom)?;
                    map.serialize_value(serde_json::from_str::<&RawValue>(text).map_err(S::Error::custom)?)?
                }
                (Kind::ForeignKey { .. }, ValueRef::Text(t)) if field.inline => {
                    let text = std::str::from_utf8(t).map_err(S::Error::custom)?;
                    map.serialize_value(serde_json::from_str::<&RawValue>(text).map_err(S::Error::custom)?)?
                }
                (_, ValueRef::Integer(i)) => map.serialize_value(&i)?,
                (_, ValueRef::Real(f)) => map.serialize_value(&f)?,
                (_, ValueRef::Text(t)) => map.serialize_value(std::str::from_utf8(t).map_err(S::Error::custom)?)?,
                (_, ValueRef::Blob(_)) => map.serialize_value(&())?,
            }
        }
        map.end()
    }
}

/// Serializes every row of `rows` into one JSON array; answers the text and the row count.
pub fn rows_to_json(model: &Model, mut rows: rusqlite::Rows<'_>) -> Result<(String, usize), StoreError> {
    let mut out = Vec::with_capacity(16 * 1024);
    out.push(b'[');
    let mut count = 0;
    while let Some(row) = rows.next()? {
        if count > 0 {
            out.push(b',');
        }
        count += 1;
        serde_json::to_writer(&mut out, &RowJson { model, row }).map_err(|e| StoreError::Encoding(e.to_string()))?;
    }
    out.push(b']');
    let text = String::from_utf8(out).map_err(|e| StoreError::Encoding(e.to_string()))?;
    Ok((text, count))
}
