//! Lists: the query string, the caller's visibility and a module's restriction compiled into
//! one page statement and one count statement over the model's table, run on a reader.

use rusqlite::params_from_iter;

use super::error::EngineError;
use super::filter::Sql;
use super::model::{Model, Registry};
use super::query::{ListParams, PageRequest};
use super::restriction::Restriction;
use super::{Caller, custom, scope};
use crate::store::{Connection, Db, SqlValue};

/// One page of a list.
#[derive(Debug)]
pub struct Page {
    pub count: usize,
    /// The page's objects as the text of one JSON array.
    pub results: String,
    pub page: usize,
    pub page_size: usize,
}

impl Page {
    pub fn has_next(&self) -> bool {
        self.page * self.page_size < self.count
    }
}

/// The statements of a list request, as [`matching`] runs them (benchmarks show their plans).
#[derive(Debug)]
pub struct Statements {
    /// The page: `params`, then LIMIT and OFFSET.
    pub page: String,
    /// The number of rows matching: `params`.
    pub count: String,
    pub params: Vec<SqlValue>,
    pub page_request: PageRequest,
    pub page_size: usize,
}

/// Lists `model` per the query string.
pub fn all(
    db: &Db,
    registry: &Registry,
    model: &'static Model,
    caller: &Caller,
    query: &[(String, String)],
) -> Result<Page, EngineError> {
    matching(db, registry, model, caller, query, None)
}

/// Lists `model` per the query string, restricted further by `restriction`.
pub fn matching(
    db: &Db,
    registry: &Registry,
    model: &'static Model,
    caller: &Caller,
    query: &[(String, String)],
    restriction: Option<Restriction>,
) -> Result<Page, EngineError> {
    scope::check_read(db, model, caller.principal.as_ref())?;
    db.read(|conn| {
        let statements = statements(conn, registry, model, caller, query, restriction)?;
        let Statements { page_request, page_size: size, .. } = statements;
        let count_rows = |conn: &Connection| -> Result<usize, EngineError> {
            let mut stmt = conn.prepare_cached(&statements.count)?;
            let count: i64 = stmt.query_row(params_from_iter(&statements.params), |r| r.get(0))?;
            Ok(usize::try_from(count).unwrap_or(0))
        };
        let (page, known_count) = match page_request {
            PageRequest::Number(n) => (n, None),
            PageRequest::Last => {
                let count = count_rows(conn)?;
                (count.div_ceil(size).max(1), Some(count))
            }
        };
        let offset = (page - 1) * size;
        let mut bound = statements.params.clone();
        bound.extend([SqlValue::Integer(size as i64), SqlValue::Integer(offset as i64)]);
        let mut stmt = conn.prepare_cached(&statements.page)?;
        let (results, rows) = super::rows::rows_to_json(model, stmt.query(params_from_iter(&bound))?)?;
        if rows == 0 && page > 1 {
            return Err(EngineError::NotFound);
        }
        // A short first page is the whole list: no need to count.
        let count = match known_count {
            Some(count) => count,
            None if page == 1 && rows < size => rows,
            None => count_rows(conn)?,
        };
        Ok(Page { count, results, page, page_size: size })
    })
}

/// The statements listing `model` per the query string for `caller`, restricted further by
/// `restriction` (who may read the model at all is [`matching`]'s to check). `conn` supplies
/// the custom field definitions, read only when the query may compare or order by one.
pub fn statements(
    conn: &Connection,
    registry: &Registry,
    model: &'static Model,
    caller: &Caller,
    query: &[(String, String)],
    restriction: Option<Restriction>,
) -> Result<Statements, EngineError> {
    let definitions = if ListParams::needs_definitions(query) {
        custom::Definitions::load(conn, &model.custom_reach)?
    } else {
        custom::Definitions::default()
    };
    let params = ListParams::parse(registry, model, query, &definitions)?;
    let restriction = restriction.map(|r| r.to_sql(model)).transpose()?;
    let visible = scope::visible(model, caller.principal.as_ref())?;
    let filter = Sql::all([params.filter.to_sql()].into_iter().chain(visible).chain(restriction));
    let table = model.def.table;
    let where_clause = &filter.text;
    let (columns, order) = (&model.select_list, &params.order_by);
    // Lookups, tags, child lists and inline objects are subqueries: where a model has some, the
    // page's rows are picked by rowid first and then read, so that they are computed for the
    // page alone rather than for every row the sort goes through. Plain columns are cheaper
    // read in one pass.
    let page = if model.has_computed_columns() {
        format!(
            "SELECT {columns} FROM \"{table}\" WHERE rowid IN (SELECT rowid FROM \"{table}\" WHERE {where_clause} \
             ORDER BY {order} LIMIT ? OFFSET ?) ORDER BY {order}"
        )
    } else {
        format!("SELECT {columns} FROM \"{table}\" WHERE {where_clause} ORDER BY {order} LIMIT ? OFFSET ?")
    };
    Ok(Statements {
        page,
        count: format!("SELECT COUNT(*) FROM \"{table}\" WHERE {where_clause}"),
        params: filter.params,
        page_request: params.page,
        page_size: params.page_size,
    })
}
