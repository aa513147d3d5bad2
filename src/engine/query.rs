//! List queries: the query string (`page`, `page_size`, `search`, `ordering`, `filter`, exact
//! field filters) parsed into one WHERE / ORDER BY / LIMIT over a model's table.

use super::custom::{self, Definitions};
use super::error::EngineError;
use super::filter::{self, Filter};
use super::model::{Model, Registry};

/// Page size when the client names none.
pub const DEFAULT_PAGE_SIZE: usize = 50;
/// Largest page size a client may ask for.
pub const MAX_PAGE_SIZE: usize = 1000;
/// Highest page number accepted (keeps offsets far from overflow).
const MAX_PAGE: usize = 1_000_000_000;
/// Longest `?search=` text, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Which page a list request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageRequest {
    Number(usize),
    /// `?page=last`, as DRF's paginator accepts.
    Last,
}

/// A parsed list request.
#[derive(Debug)]
pub struct ListParams {
    pub page: PageRequest,
    pub page_size: usize,
    /// Everything the rows must match: lookups, list defaults, search and `?filter=`.
    pub filter: Filter,
    pub order_by: String,
}

impl ListParams {
    /// Parses the query string of a list request for `model`, with the custom field
    /// definitions of the models its filters may reach (`filter::custom_reach`).
    pub fn parse(
        registry: &Registry,
        model: &Model,
        query: &[(String, String)],
        definitions: &Definitions,
    ) -> Result<ListParams, EngineError> {
        let get = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let page = match get("page") {
            None | Some("") => PageRequest::Number(1),
            Some("last") => PageRequest::Last,
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|p| (1..=MAX_PAGE).contains(p))
                .map(PageRequest::Number)
                .ok_or_else(invalid_page)?,
        };
        let page_size = get("page_size")
            .and_then(|raw| raw.parse::<usize>().ok())
            .filter(|size| *size >= 1)
            .map_or(DEFAULT_PAGE_SIZE, |size| size.min(MAX_PAGE_SIZE));
        let mut conditions = Vec::new();
        for (name, raw) in query.iter().filter(|(name, raw)| !raw.is_empty() && !is_reserved(name)) {
            if let Some(condition) = Filter::lookup(registry, model, name, raw, definitions) {
                conditions.push(condition?);
            }
            if conditions.len() > filter::MAX_CONDITIONS {
                return Err(EngineError::invalid_filter(format!(
                    "A list takes at most {} filter parameters.",
                    filter::MAX_CONDITIONS
                )));
            }
        }
        for (field, raw) in model.def.list_defaults {
            let named = |text: &str| text.contains(&format!("\"{field}\""));
            if get(field).is_none_or(str::is_empty)
                && !get("filter").is_some_and(named)
                && let Some(condition) = Filter::lookup(registry, model, field, raw, definitions)
            {
                conditions.push(condition?);
            }
        }
        if let Some(text) = get("search").map(str::trim).filter(|t| !t.is_empty()) {
            if text.chars().count() > MAX_SEARCH_CHARS {
                return Err(EngineError::bad_query(
                    "invalid_search",
                    format!("The search text is longer than {MAX_SEARCH_CHARS} characters."),
                ));
            }
            conditions.push(Filter::search(registry, model, text));
        }
        if let Some(raw) = get("filter").filter(|f| !f.trim().is_empty()) {
            conditions.push(Filter::parse(registry, model, raw, definitions)?);
        }
        let filter = Filter::And(conditions);
        if filter.to_sql().params.len() > filter::MAX_PARAMS {
            return Err(EngineError::invalid_filter(format!(
                "The filters of one list compare at most {} values.",
                filter::MAX_PARAMS
            )));
        }
        let order_by = ordering(model, get("ordering"), definitions)?;
        Ok(ListParams { page, page_size, filter, order_by })
    }

    /// Whether parsing `query` may consult custom field definitions: only a `?filter=`, a
    /// lookup naming `custom_fields` or an ordering by it can (list defaults are declared
    /// fields) — so that other lists need not read them.
    pub fn needs_definitions(query: &[(String, String)]) -> bool {
        query.iter().any(|(name, value)| match name.as_str() {
            "filter" => !value.trim().is_empty(),
            "ordering" => value.contains("custom_fields"),
            _ => name.contains("custom_fields"),
        })
    }
}

fn invalid_page() -> EngineError {
    EngineError::NotFound
}

fn is_reserved(name: &str) -> bool {
    matches!(name, "page" | "page_size" | "search" | "ordering" | "filter" | "format")
}

/// `?ordering=name,-created_at` checked against the model's ordering fields, and
/// `custom_fields.<key>` (or `custom_fields__<key>`) of a defined key, ordered by the typed
/// value (`filter::custom_expression`: a missing or wrongly typed value is NULL, first
/// ascending and last descending, like a NULL column). The key is always appended so that
/// pages are stable. Only names of fields and validated keys reach the SQL text.
fn ordering(model: &Model, requested: Option<&str>, definitions: &Definitions) -> Result<String, EngineError> {
    let requested: Vec<&str> = match requested.map(str::trim).filter(|r| !r.is_empty()) {
        Some(list) => list.split(',').map(str::trim).filter(|s| !s.is_empty()).collect(),
        None => model.def.default_order.to_vec(),
    };
    let mut terms = Vec::with_capacity(requested.len() + 1);
    for item in requested {
        let (name, dir) = match item.strip_prefix('-') {
            Some(name) => (name, "DESC"),
            None => (item, "ASC"),
        };
        let custom_key = name.strip_prefix("custom_fields.").or_else(|| name.strip_prefix("custom_fields__"));
        if let Some(key) = custom_key.filter(|_| model.def.custom_fields) {
            let definition = Some(key)
                .filter(|key| custom::valid_key(key))
                .and_then(|key| definitions.get(model.def.name, key))
                .ok_or_else(|| {
                    EngineError::bad_query(
                        "invalid_ordering",
                        format!("Ordering by \"{name}\" is not allowed: no custom field \"{key}\" is defined."),
                    )
                })?;
            terms.push(format!("{} {dir}", filter::custom_expression(&definition.key, definition.kind)));
            continue;
        }
        let known =
            model.ordering.contains(&name) || model.def.default_order.iter().any(|o| o.trim_start_matches('-') == name);
        if !known {
            return Err(EngineError::bad_query("invalid_ordering", format!("Ordering by \"{name}\" is not allowed.")));
        }
        terms.push(format!("\"{name}\" {dir}"));
    }
    terms.push(format!("\"{}\" ASC", model.def.key));
    Ok(terms.join(", "))
}
