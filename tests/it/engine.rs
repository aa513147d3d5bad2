//! The generic model engine through HTTP, exercised on the reference models: list pagination,
//! `?search=`, `?ordering=`, exact and advanced (`?filter=`) filters, create / PUT / PATCH /
//! DELETE semantics with the tracking columns, validation and its DRF error shapes, unique and
//! foreign-key errors, protected deletes, access rules, and that failed writes leave nothing
//! behind.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::{
    ADMIN_PASSWORD, Client, TestServer, assert_detail, assert_field_error, assert_not_found, enc, get_ok, regular_user,
};

/// Seeded statuses in the default order (category, then name).
const STATUSES_BY_CATEGORY_NAME: &[&str] = &[
    "approved",
    "pending_approval",
    "rejected",
    "active",
    "archived",
    "draft",
    "inactive",
    "cancelled",
    "completed",
    "pending",
];

/// A superuser client and its user id (from the login answer).
fn admin_with_id(server: &TestServer) -> (Client, String) {
    let resp = server.client().post("/api/v1/auth/token/", &json!({ "username": "admin", "password": ADMIN_PASSWORD }));
    assert_eq!(resp.status, 200, "login: {}", resp.text);
    let token = resp.json["access"].as_str().expect("access token");
    let id = resp.json["user"]["id"].as_str().expect("user id").to_string();
    (server.client().with_token(token), id)
}

/// The `key` field of each result of a list answer, in order.
fn keys(body: &Value, key: &str) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list answer: {body}"))
        .iter()
        .map(|r| r[key].as_str().unwrap_or_else(|| panic!("{key} missing in {r}")).to_string())
        .collect()
}

/// The keys of a list as a set.
fn key_set(body: &Value, key: &str) -> BTreeSet<String> {
    keys(body, key).into_iter().collect()
}

/// A set of string literals.
fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Lists `plural` with `?filter=<json>` (one page of up to 1000), asserting 200.
fn filtered(client: &Client, plural: &str, filter: &Value) -> Value {
    get_ok(client, &format!("/api/v1/{plural}/?page_size=1000&filter={}", enc(&filter.to_string())))
}

/// The slugs of the statuses a filter selects.
fn status_slugs(client: &Client, filter: Value) -> BTreeSet<String> {
    key_set(&filtered(client, "statuses", &filter), "slug")
}

/// Sends a raw `?filter=` text and asserts `400 invalid_filter` with `needle` in the detail.
fn assert_invalid_filter(client: &Client, plural: &str, raw: &str, needle: &str) {
    let resp = client.get(&format!("/api/v1/{plural}/?filter={}", enc(raw)));
    assert_eq!(resp.status, 400, "filter {raw} on {plural}: {}", resp.text);
    assert_eq!(resp.json["code"], "invalid_filter", "filter {raw}: {}", resp.text);
    let detail = resp.json["detail"].as_str().unwrap_or_else(|| panic!("no detail: {}", resp.text));
    assert!(detail.contains(needle), "filter {raw}: detail {detail:?} does not mention {needle:?}");
}

/// Parses an RFC 3339 UTC timestamp.
fn timestamp(value: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    let text = value.as_str().unwrap_or_else(|| panic!("timestamp is not a string: {value}"));
    assert!(text.ends_with('Z'), "{text} is not UTC");
    chrono::DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text} is not RFC 3339: {e}"))
}

/// The path part of an absolute `next` / `previous` link of this server.
fn link_path(server: &TestServer, link: &Value) -> String {
    let link = link.as_str().unwrap_or_else(|| panic!("not a link: {link}"));
    let prefix = format!("http://{}", server.addr);
    link.strip_prefix(&prefix).unwrap_or_else(|| panic!("{link} is not on {prefix}")).to_string()
}

/// Whether `text` looks like a lower-case hyphenated UUID.
fn uuid_like(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()))
}

/// Inserts `n` extra statuses straight into the database (setup for large lists).
fn insert_statuses(server: &TestServer, n: usize) {
    server
        .db()
        .write(move |conn| -> Result<(), plinth::store::StoreError> {
            let mut insert = conn.prepare(
                "INSERT INTO statuses (slug, name, category, created_at, updated_at)
                 VALUES (?1, ?2, 'Bulk', ?3, ?3)",
            )?;
            for i in 0..n {
                insert.execute((format!("bulk-{i:04}"), format!("Bulk {i:04}"), "2026-01-01T00:00:00.000000Z"))?;
            }
            Ok(())
        })
        .expect("bulk insert");
}

// ---------------------------------------------------------------------------------------
// Pagination

#[test]
fn pages_carry_count_and_next_previous_links() {
    let server = TestServer::start();
    let client = server.client();
    let first = get_ok(&client, "/api/v1/statuses/?page_size=4");
    assert_eq!(first["count"], 10);
    assert_eq!(keys(&first, "slug"), STATUSES_BY_CATEGORY_NAME[..4]);
    assert_eq!(first["previous"], Value::Null);
    assert_eq!(first["next"], format!("http://{}/api/v1/statuses/?page_size=4&page=2", server.addr));

    let second = get_ok(&client, &link_path(&server, &first["next"]));
    assert_eq!(second["count"], 10);
    assert_eq!(keys(&second, "slug"), STATUSES_BY_CATEGORY_NAME[4..8]);
    assert_eq!(second["previous"], format!("http://{}/api/v1/statuses/?page_size=4", server.addr));

    let third = get_ok(&client, &link_path(&server, &second["next"]));
    assert_eq!(keys(&third, "slug"), STATUSES_BY_CATEGORY_NAME[8..]);
    assert_eq!(third["next"], Value::Null);
    assert_eq!(get_ok(&client, &link_path(&server, &third["previous"])), second);
    assert_eq!(get_ok(&client, &link_path(&server, &second["previous"])), first);
}

#[test]
fn links_keep_the_other_query_parameters() {
    let server = TestServer::start();
    let client = server.client();
    let mut seen = Vec::new();
    let mut path = "/api/v1/currencies/?search=dollar&ordering=-code&page_size=3".to_string();
    loop {
        let page = get_ok(&client, &path);
        assert_eq!(page["count"], get_ok(&client, "/api/v1/currencies/?search=dollar")["count"]);
        seen.extend(keys(&page, "code"));
        if page["next"].is_null() {
            break;
        }
        path = link_path(&server, &page["next"]);
        assert!(path.contains("search=dollar") && path.contains("ordering=-code"), "{path}");
    }
    let all = keys(&get_ok(&client, "/api/v1/currencies/?search=dollar&ordering=-code"), "code");
    assert!(all.len() > 10, "plenty of dollars: {all:?}");
    assert_eq!(seen, all, "walking the pages visits every row once, in order");
}

#[test]
fn default_page_size_is_fifty() {
    let server = TestServer::start();
    let body = get_ok(&server.client(), "/api/v1/timezones/");
    assert!(body["count"].as_u64().is_some_and(|n| n > 50));
    assert_eq!(body["results"].as_array().map(Vec::len), Some(50));
    for junk in ["0", "-3", "abc", ""] {
        let body = get_ok(&server.client(), &format!("/api/v1/timezones/?page_size={junk}"));
        assert_eq!(body["results"].as_array().map(Vec::len), Some(50), "page_size={junk} falls back to 50");
    }
}

#[test]
fn page_size_is_capped_at_one_thousand() {
    let server = TestServer::start();
    insert_statuses(&server, 1005);
    let client = server.client();
    let first = get_ok(&client, "/api/v1/statuses/?page_size=5000");
    assert_eq!(first["count"], 1015);
    assert_eq!(first["results"].as_array().map(Vec::len), Some(1000));
    let second = get_ok(&client, &link_path(&server, &first["next"]));
    assert_eq!(second["results"].as_array().map(Vec::len), Some(15));
    assert_eq!(second["next"], Value::Null);
    let all: BTreeSet<String> = keys(&first, "slug").into_iter().chain(keys(&second, "slug")).collect();
    assert_eq!(all.len(), 1015, "no row on both pages");
}

#[test]
fn invalid_or_out_of_range_pages_are_404() {
    let server = TestServer::start();
    let client = server.client();
    for page in ["0", "-1", "abc", "1.5", "3"] {
        assert_not_found(&client.get(&format!("/api/v1/statuses/?page_size=5&page={page}")));
    }
    assert_eq!(get_ok(&client, "/api/v1/statuses/?page_size=5&page=2")["results"].as_array().map(Vec::len), Some(5));
    let empty = get_ok(&client, "/api/v1/statuses/?search=nothing-like-this");
    assert_eq!(empty, json!({ "count": 0, "next": null, "previous": null, "results": [] }), "page 1 always exists");
    assert_not_found(&client.get("/api/v1/statuses/?search=nothing-like-this&page=2"));
}

#[test]
fn huge_page_numbers_are_404_and_do_not_break_the_server() {
    let server = TestServer::start();
    let client = server.client();
    // More requests than the test server has workers (8).
    for _ in 0..10 {
        assert_not_found(&client.get("/api/v1/statuses/?page=18446744073709551615"));
    }
    assert_not_found(&client.get("/api/v1/statuses/?page=400000000000000000"));
    assert_eq!(get_ok(&client, "/api/v1/health/")["status"], "ok");
}

#[test]
fn page_last_is_the_last_page() {
    // DRF's PageNumberPagination accepts `?page=last`.
    let server = TestServer::start();
    let body = get_ok(&server.client(), "/api/v1/statuses/?page_size=4&page=last");
    assert_eq!(keys(&body, "slug"), STATUSES_BY_CATEGORY_NAME[8..]);
    assert_eq!(body["next"], Value::Null);
}

// ---------------------------------------------------------------------------------------
// Search

#[test]
fn search_is_case_insensitive_across_the_search_fields() {
    let server = TestServer::start();
    let client = server.client();
    for term in ["euro", "EURO", "eUrO"] {
        let body = get_ok(&client, &format!("/api/v1/currencies/?search={term}"));
        assert!(keys(&body, "code").contains(&"EUR".to_string()), "{term}: {body}");
        for row in body["results"].as_array().expect("results") {
            let haystack = format!("{} {} {}", row["code"], row["name"], row["numeric_code"]).to_lowercase();
            assert!(haystack.contains("euro"), "{row} does not match euro");
        }
    }
    assert_eq!(keys(&get_ok(&client, "/api/v1/currencies/?search=840"), "code"), ["USD"], "numeric code");
    assert_eq!(keys(&get_ok(&client, "/api/v1/statuses/?search=DRAFTED"), "slug"), ["draft"], "description");
    assert_eq!(key_set(&get_ok(&client, "/api/v1/uoms/?search=mass"), "code"), set(&["G", "KG", "LB", "OZ"]));
    assert_eq!(get_ok(&client, "/api/v1/statuses/?search=%20%20")["count"], 10, "a blank search is no search");
}

#[test]
fn search_requires_every_term_to_match() {
    let server = TestServer::start();
    let client = server.client();
    let both = key_set(&get_ok(&client, "/api/v1/currencies/?search=united+dollar"), "code");
    assert!(both.contains("USD"), "{both:?}");
    assert!(!both.contains("AUD") && !both.contains("AED"), "one term alone is not enough: {both:?}");
    assert_eq!(key_set(&get_ok(&client, "/api/v1/currencies/?search=dollar+united"), "code"), both);
    assert_eq!(get_ok(&client, "/api/v1/currencies/?search=united+euro")["count"], 0);
    let pending = key_set(&get_ok(&client, "/api/v1/statuses/?search=pending+approval"), "slug");
    assert_eq!(pending, set(&["pending", "pending_approval"]), "terms may match different fields");
    assert_eq!(keys(&get_ok(&client, "/api/v1/statuses/?search=pending+step"), "slug"), ["pending_approval"]);
}

#[test]
fn search_treats_like_wildcards_literally() {
    let server = TestServer::start();
    let client = server.client();
    assert_eq!(keys(&get_ok(&client, "/api/v1/statuses/?search=_"), "slug"), ["pending_approval"]);
    assert_eq!(get_ok(&client, "/api/v1/statuses/?search=%25")["count"], 0);
    assert_eq!(get_ok(&client, "/api/v1/statuses/?search=%5C")["count"], 0);
}

#[test]
fn search_folds_case_of_non_ascii_letters() {
    let server = TestServer::start();
    let client = server.client();
    assert_eq!(keys(&get_ok(&client, "/api/v1/countries/?search=%C3%85land"), "code"), ["AX"], "Åland");
    assert_eq!(keys(&get_ok(&client, "/api/v1/countries/?search=%C3%A5land"), "code"), ["AX"], "åland");
}

// ---------------------------------------------------------------------------------------
// Ordering

#[test]
fn ordering_sorts_ascending_descending_and_by_several_fields() {
    let server = TestServer::start();
    let client = server.client();
    let by_name = keys(&get_ok(&client, "/api/v1/statuses/?ordering=name"), "name");
    let mut sorted = by_name.clone();
    sorted.sort();
    assert_eq!(by_name, sorted);
    let mut reversed = sorted.clone();
    reversed.reverse();
    assert_eq!(keys(&get_ok(&client, "/api/v1/statuses/?ordering=-name"), "name"), reversed);
    assert_eq!(
        keys(&get_ok(&client, "/api/v1/statuses/?ordering=category,-name"), "slug"),
        [
            "rejected",
            "pending_approval",
            "approved",
            "inactive",
            "draft",
            "archived",
            "active",
            "pending",
            "completed",
            "cancelled"
        ]
    );
    assert_eq!(keys(&get_ok(&client, "/api/v1/statuses/"), "slug"), STATUSES_BY_CATEGORY_NAME, "default order");
    let codes = keys(&get_ok(&client, "/api/v1/uoms/?ordering=-uom_type,code&page_size=5"), "code");
    assert_eq!(codes, ["GAL", "L", "ML", "DAY", "H"], "Volume before Time, codes ascending within");
}

#[test]
fn unknown_ordering_fields_are_400_invalid_ordering() {
    let server = TestServer::start();
    let client = server.client();
    for ordering in ["bogus", "-bogus", "description", "name,created_by", "-"] {
        let resp = client.get(&format!("/api/v1/statuses/?ordering={ordering}"));
        assert_detail(&resp, 400, "invalid_ordering");
    }
    let resp = client.get("/api/v1/currencies/?ordering=symbol");
    assert_detail(&resp, 400, "invalid_ordering");
    assert!(resp.json["detail"].as_str().is_some_and(|d| d.contains("symbol")), "{}", resp.text);
}

// ---------------------------------------------------------------------------------------
// Exact filters and list defaults

#[test]
fn exact_filters_match_declared_fields() {
    let server = TestServer::start();
    let client = server.client();
    let inactive = get_ok(&client, "/api/v1/currencies/?is_active=false&page_size=1000");
    assert!(keys(&inactive, "code").contains(&"HRK".to_string()));
    assert!(inactive["results"].as_array().expect("results").iter().all(|r| r["is_active"] == false));
    let mass = get_ok(&client, "/api/v1/uoms/?uom_type=Mass");
    assert_eq!(key_set(&mass, "code"), set(&["G", "KG", "LB", "OZ"]));
    let whole = get_ok(&client, "/api/v1/currencies/?decimal_places=0&page_size=1000");
    assert!(keys(&whole, "code").contains(&"JPY".to_string()));
    assert!(whole["results"].as_array().expect("results").iter().all(|r| r["decimal_places"] == 0));
    assert_eq!(keys(&get_ok(&client, "/api/v1/statuses/?category=Approval&name=Approved"), "slug"), ["approved"]);
    assert_eq!(keys(&get_ok(&client, "/api/v1/timezones/?code=Europe%2FBerlin"), "code"), ["Europe/Berlin"]);
    assert_eq!(get_ok(&client, "/api/v1/statuses/?unrelated=1")["count"], 10, "unknown parameters are ignored");
}

#[test]
fn relation_paths_filter_through_foreign_keys() {
    let server = TestServer::start();
    let client = server.client();
    let pairs = |body: &Value| -> BTreeSet<String> {
        body["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| format!("{}>{}", r["from_uom"].as_str().expect("from"), r["to_uom"].as_str().expect("to")))
            .collect()
    };
    let mass = set(&["KG>G", "LB>KG", "LB>OZ"]);
    assert_eq!(pairs(&get_ok(&client, "/api/v1/uom-conversions/?from_uom__uom_type=Mass")), mass);
    assert_eq!(pairs(&get_ok(&client, "/api/v1/uom-conversions/?from_uom.uom_type=Mass")), mass);
    assert_eq!(
        pairs(&get_ok(&client, "/api/v1/uom-conversions/?to_uom__uom_type=Area")),
        set(&["M2>CM2", "FT2>CM2", "HA>M2"])
    );
    assert_eq!(pairs(&get_ok(&client, "/api/v1/uom-conversions/?from_uom=LB")), set(&["LB>KG", "LB>OZ"]));
    let advanced =
        filtered(&client, "uom-conversions", &json!({ "field": "from_uom.uom_type", "op": "eq", "value": "Mass" }));
    assert_eq!(pairs(&advanced), mass);
    let by_name =
        filtered(&client, "uom-conversions", &json!({ "field": "from_uom__name", "op": "eq", "value": "Pound" }));
    assert_eq!(pairs(&by_name), set(&["LB>KG", "LB>OZ"]));
}

#[test]
fn invalid_exact_filter_values_are_400() {
    let server = TestServer::start();
    let client = server.client();
    assert_detail(&client.get("/api/v1/uoms/?uom_type=Weight"), 400, "invalid_filter");
    assert_detail(&client.get("/api/v1/currencies/?decimal_places=two"), 400, "invalid_filter");
    assert_detail(&client.get("/api/v1/currencies/?is_active=maybe"), 400, "invalid_filter");
}

#[test]
fn empty_exact_filter_values_are_ignored() {
    // django-filter skips a filter whose value is empty.
    let server = TestServer::start();
    let client = server.client();
    assert_eq!(get_ok(&client, "/api/v1/uoms/?uom_type=")["count"], 23, "?uom_type= is no filter");
    assert_eq!(get_ok(&client, "/api/v1/statuses/?category=")["count"], 10, "?category= is no filter");
    let active = get_ok(&client, "/api/v1/currencies/")["count"].as_u64().expect("count");
    let all = get_ok(&client, "/api/v1/currencies/?is_active=")["count"].as_u64().expect("count");
    assert!(all >= active, "?is_active= is no filter: {all} < {active}");
}

#[test]
fn currencies_and_units_list_only_active_rows_unless_asked() {
    let server = TestServer::start();
    let admin = server.admin();
    let created = admin
        .post("/api/v1/uoms/", &json!({ "code": "PAL", "name": "Pallet", "uom_type": "Count", "is_active": false }));
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["is_active"], false);

    let default = get_ok(&admin, "/api/v1/uoms/?page_size=100");
    assert_eq!(default["count"], 23);
    assert!(!keys(&default, "code").contains(&"PAL".to_string()));
    assert_eq!(keys(&get_ok(&admin, "/api/v1/uoms/?is_active=false"), "code"), ["PAL"]);
    assert_eq!(get_ok(&admin, "/api/v1/uoms/?is_active=true")["count"], 23);
    assert_eq!(get_ok(&admin, "/api/v1/uoms/PAL/")["name"], "Pallet", "inactive rows are still retrievable");
    let by_filter = filtered(&admin, "uoms", &json!({ "field": "is_active", "op": "eq", "value": false }));
    assert_eq!(keys(&by_filter, "code"), ["PAL"], "naming is_active in ?filter= lifts the default too");
    assert_eq!(get_ok(&admin, "/api/v1/uoms/?search=pallet")["count"], 0, "search keeps the default");

    let active = get_ok(&admin, "/api/v1/currencies/?page_size=1000");
    let inactive = get_ok(&admin, "/api/v1/currencies/?is_active=false&page_size=1000");
    assert!(active["results"].as_array().expect("results").iter().all(|r| r["is_active"] == true));
    assert!(keys(&inactive, "code").contains(&"HRK".to_string()));
    assert!(!keys(&active, "code").contains(&"HRK".to_string()));
}

// ---------------------------------------------------------------------------------------
// Advanced filter

#[test]
fn filter_equality_and_comparison_operators() {
    let server = TestServer::start();
    let client = server.client();
    let field = |op: &str, value: Value| json!({ "field": "category", "op": op, "value": value });
    assert_eq!(
        status_slugs(&client, field("eq", json!("Approval"))),
        set(&["approved", "pending_approval", "rejected"])
    );
    assert_eq!(
        status_slugs(&client, field("neq", json!("General"))),
        set(&["approved", "pending_approval", "rejected", "pending", "completed", "cancelled"])
    );
    let name = |op: &str, value: &str| json!({ "field": "name", "op": op, "value": value });
    assert_eq!(status_slugs(&client, name("gt", "P")), set(&["pending", "pending_approval", "rejected"]));
    assert_eq!(status_slugs(&client, name("gte", "Pending Approval")), set(&["pending_approval", "rejected"]));
    assert_eq!(status_slugs(&client, name("lt", "Archived")), set(&["active", "approved"]));
    assert_eq!(status_slugs(&client, name("lte", "Archived")), set(&["active", "approved", "archived"]));

    // Integer comparisons, checked against the full list.
    let all = get_ok(&client, "/api/v1/currencies/?page_size=1000");
    let rows = all["results"].as_array().expect("results");
    let expect = |pred: &dyn Fn(i64) -> bool| -> BTreeSet<String> {
        rows.iter()
            .filter(|r| pred(r["decimal_places"].as_i64().expect("int")))
            .map(|r| r["code"].as_str().expect("code").to_string())
            .collect()
    };
    let places = |op: &str, n: i64| {
        key_set(&filtered(&client, "currencies", &json!({ "field": "decimal_places", "op": op, "value": n })), "code")
    };
    assert!(places("gte", 3).contains("KWD"));
    assert_eq!(places("gt", 2), expect(&|p| p > 2));
    assert_eq!(places("gte", 3), expect(&|p| p >= 3));
    assert_eq!(places("lt", 2), expect(&|p| p < 2));
    assert_eq!(places("lte", 0), expect(&|p| p <= 0));
    assert_eq!(places("eq", 2), expect(&|p| p == 2));
    assert_eq!(places("neq", 2), expect(&|p| p != 2));
    assert!(places("lte", 0).contains("JPY"));
}

#[test]
fn filter_text_operators_and_their_case_rules() {
    let server = TestServer::start();
    let client = server.client();
    let name = |op: &str, value: &str| json!({ "field": "name", "op": op, "value": value });
    let approv = set(&["approved", "pending_approval"]);
    let pending = set(&["pending", "pending_approval"]);
    let ed = set(&["approved", "archived", "rejected", "completed", "cancelled"]);
    assert_eq!(status_slugs(&client, name("contains", "App")), approv);
    assert_eq!(status_slugs(&client, name("contains", "app")), set(&[]));
    assert_eq!(status_slugs(&client, name("icontains", "aPP")), approv);
    assert_eq!(status_slugs(&client, name("startswith", "Pe")), pending);
    assert_eq!(status_slugs(&client, name("startswith", "pe")), set(&[]));
    assert_eq!(status_slugs(&client, name("istartswith", "pE")), pending);
    assert_eq!(status_slugs(&client, name("endswith", "ed")), ed);
    assert_eq!(status_slugs(&client, name("endswith", "ED")), set(&[]));
    assert_eq!(status_slugs(&client, name("iendswith", "ED")), ed);
    assert_eq!(status_slugs(&client, name("icontains", "%")), set(&[]), "wildcards are literal");
    assert_eq!(
        status_slugs(&client, json!({ "field": "slug", "op": "contains", "value": "_" })),
        set(&["pending_approval"])
    );
}

#[test]
fn filter_with_an_empty_needle_matches_everything() {
    let server = TestServer::start();
    let client = server.client();
    for op in ["contains", "icontains", "startswith", "istartswith", "endswith", "iendswith"] {
        let slugs = status_slugs(&client, json!({ "field": "name", "op": op, "value": "" }));
        assert_eq!(slugs.len(), 10, "{op} \"\" matches every row (as Django's does)");
    }
}

#[test]
fn filter_in_notin_and_isnull() {
    let server = TestServer::start();
    let admin = server.admin();
    let slug = |op: &str, value: Value| json!({ "field": "slug", "op": op, "value": value });
    assert_eq!(status_slugs(&admin, slug("in", json!(["draft", "active", "nope"]))), set(&["draft", "active"]));
    let rest = status_slugs(&admin, slug("notin", json!(["draft", "active"])));
    assert_eq!(rest.len(), 8);
    assert!(!rest.contains("draft") && !rest.contains("active"));

    for code in ["QQA", "QQB"] {
        let resp = admin.post("/api/v1/currencies/", &json!({ "code": code, "name": format!("Test {code}") }));
        assert_eq!(resp.status, 201, "{}", resp.text);
    }
    let numeric = |is_null: Value| {
        key_set(
            &filtered(&admin, "currencies", &json!({ "field": "numeric_code", "op": "isnull", "value": is_null })),
            "code",
        )
    };
    assert_eq!(numeric(json!(true)), set(&["QQA", "QQB"]));
    let with_code = numeric(json!(false));
    assert!(with_code.contains("USD") && !with_code.contains("QQA"));
    assert_eq!(numeric(json!("true")), set(&["QQA", "QQB"]), "booleans may be spelled as strings");
    let places = filtered(&admin, "currencies", &json!({ "field": "decimal_places", "op": "in", "value": [0, 3] }));
    assert!(
        places["results"]
            .as_array()
            .expect("results")
            .iter()
            .all(|r| r["decimal_places"] == 0 || r["decimal_places"] == 3)
    );
    assert!(key_set(&places, "code").is_superset(&set(&["JPY", "KWD"])));
}

#[test]
fn filter_combines_and_or_not() {
    let server = TestServer::start();
    let client = server.client();
    let eq = |field: &str, value: &str| json!({ "field": field, "op": "eq", "value": value });
    assert_eq!(
        status_slugs(&client, json!({ "and": [eq("category", "Approval"), { "not": eq("slug", "rejected") }] })),
        set(&["approved", "pending_approval"])
    );
    assert_eq!(
        status_slugs(&client, json!({ "or": [eq("category", "Process"), eq("slug", "draft")] })),
        set(&["pending", "completed", "cancelled", "draft"])
    );
    assert_eq!(status_slugs(&client, json!({ "not": eq("category", "General") })).len(), 6);
    let nested = json!({ "and": [
        { "or": [eq("category", "Approval"), eq("category", "Process")] },
        { "not": { "or": [eq("name", "Pending Approval"), eq("name", "Approved"), eq("name", "Pending")] } },
    ] });
    assert_eq!(status_slugs(&client, nested), set(&["rejected", "completed", "cancelled"]));
    // An empty `and` matches everything, an empty `or` nothing (API.md), also when negated.
    assert_eq!(status_slugs(&client, json!({ "and": [] })).len(), 10);
    assert_eq!(status_slugs(&client, json!({ "or": [] })), set(&[]));
    assert_eq!(status_slugs(&client, json!({ "not": { "or": [] } })).len(), 10);
    assert_eq!(status_slugs(&client, json!({ "and": [eq("slug", "draft"), { "or": [] }] })), set(&[]));
    // Eight levels of nesting are fine.
    let mut deep = eq("slug", "draft");
    for _ in 0..8 {
        deep = json!({ "not": deep });
    }
    assert_eq!(status_slugs(&client, deep), set(&["draft"]));
    // Combined with other parameters, everything must hold.
    let body = get_ok(
        &client,
        &format!(
            "/api/v1/statuses/?category=Approval&search=pending&filter={}",
            enc(&eq("name", "Pending Approval").to_string())
        ),
    );
    assert_eq!(keys(&body, "slug"), ["pending_approval"]);
}

#[test]
fn filter_reaches_into_custom_fields() {
    let server = TestServer::start();
    let admin = server.admin();
    crate::common::define_custom_field(&admin, "status", "size", "text", json!({}));
    crate::common::define_custom_field(&admin, "status", "rank", "number", json!({}));
    crate::common::define_custom_field(&admin, "status", "vip", "boolean", json!({}));
    for (slug, data) in
        [("draft", json!({ "size": "L", "rank": 3, "vip": true })), ("active", json!({ "size": "M", "rank": 1.5 }))]
    {
        let resp = admin.patch(&format!("/api/v1/statuses/{slug}/"), &json!({ "custom_fields": data }));
        assert_eq!(resp.status, 200, "{}", resp.text);
    }
    let cf = |key: &str, op: &str, value: Value| json!({ "field": format!("custom_fields.{key}"), "op": op, "value": value });
    assert_eq!(status_slugs(&admin, cf("size", "eq", json!("L"))), set(&["draft"]));
    assert_eq!(status_slugs(&admin, cf("size", "in", json!(["L", "M"]))), set(&["draft", "active"]));
    assert_eq!(status_slugs(&admin, cf("size", "icontains", json!("l"))), set(&["draft"]));
    assert_eq!(status_slugs(&admin, cf("rank", "gt", json!(1))), set(&["draft", "active"]));
    assert_eq!(status_slugs(&admin, cf("rank", "gte", json!(2))), set(&["draft"]));
    assert_eq!(status_slugs(&admin, cf("rank", "lt", json!(2))), set(&["active"]));
    assert_eq!(status_slugs(&admin, cf("vip", "eq", json!(true))), set(&["draft"]));
    assert_eq!(status_slugs(&admin, cf("size", "isnull", json!(false))), set(&["draft", "active"]));
    assert_eq!(status_slugs(&admin, cf("size", "isnull", json!(true))).len(), 8);
    assert_eq!(status_slugs(&admin, cf("missing", "eq", json!("x"))), set(&[]));
    let spec_style = get_ok(&admin, "/api/v1/statuses/?custom_fields__size=M");
    assert_eq!(keys(&spec_style, "slug"), ["active"], "custom_fields__<key> works as an exact filter");
}

#[test]
fn malformed_filters_are_400_invalid_filter() {
    let server = TestServer::start();
    let client = server.client();
    let cases: &[(&str, &str, &str)] = &[
        ("statuses", "{bad json", "not valid JSON"),
        ("statuses", "[]", "object"),
        ("statuses", "42", "object"),
        ("statuses", r#"{"field": "slug", "op": "like", "value": "x"}"#, "like"),
        ("statuses", r#"{"field": "description", "op": "eq", "value": "x"}"#, "description"),
        ("statuses", r#"{"field": "created_by", "op": "eq", "value": "x"}"#, "created_by"),
        ("statuses", r#"{"field": "nonsense", "op": "eq", "value": "x"}"#, "nonsense"),
        ("statuses", r#"{"op": "eq", "value": "x"}"#, "field"),
        ("statuses", r#"{"field": "slug", "op": "eq"}"#, "value"),
        ("statuses", r#"{"field": "slug", "op": "eq", "value": "x", "extra": 1}"#, "extra"),
        ("statuses", r#"{"and": {}}"#, "list"),
        ("statuses", r#"{"or": {"field": "slug", "value": "x"}}"#, "list"),
        ("statuses", r#"{"field": "slug", "op": "in", "value": "draft"}"#, "list"),
        ("statuses", r#"{"field": "slug", "op": "in", "value": []}"#, "list"),
        ("statuses", r#"{"field": "slug", "op": "in", "value": ["a", 1]}"#, "slug"),
        ("statuses", r#"{"field": "name", "op": "icontains", "value": 5}"#, "string"),
        ("statuses", r#"{"field": "custom_fields", "op": "eq", "value": "x"}"#, "custom_fields"),
        ("statuses", r#"{"field": "custom_fields.a-b", "op": "eq", "value": "x"}"#, "a-b"),
        ("statuses", r#"{"field": "custom_fields.size", "op": "eq", "value": {"a": 1}}"#, "scalar"),
        ("currencies", r#"{"field": "decimal_places", "op": "gt", "value": "abc"}"#, "decimal_places"),
        ("currencies", r#"{"field": "decimal_places", "op": "gt", "value": 1.5}"#, "decimal_places"),
        ("currencies", r#"{"field": "decimal_places", "op": "icontains", "value": "1"}"#, "text"),
        ("currencies", r#"{"field": "is_active", "op": "eq", "value": "maybe"}"#, "is_active"),
        ("currencies", r#"{"field": "numeric_code", "op": "isnull", "value": "perhaps"}"#, "numeric_code"),
        ("uoms", r#"{"field": "uom_type", "op": "eq", "value": "Weight"}"#, "uom_type"),
        ("uom-conversions", r#"{"field": "factor", "op": "gt", "value": "1"}"#, "factor"),
        ("uom-conversions", r#"{"field": "from_uom.symbol", "op": "eq", "value": "kg"}"#, "symbol"),
        ("uom-conversions", r#"{"field": "from_uom.uom_type.x", "op": "eq", "value": "kg"}"#, "uom_type"),
        ("organization-types", r#"{"field": "custom_fields.x", "op": "eq", "value": "x"}"#, "custom_fields"),
    ];
    for (plural, raw, needle) in cases {
        assert_invalid_filter(&client, plural, raw, needle);
    }
}

#[test]
fn filter_size_limits_are_400_invalid_filter() {
    let server = TestServer::start();
    let client = server.client();
    let eq = json!({ "field": "slug", "op": "eq", "value": "draft" });
    let mut deep = eq.clone();
    for _ in 0..9 {
        deep = json!({ "not": deep });
    }
    assert_invalid_filter(&client, "statuses", &deep.to_string(), "deeper");
    let many = json!({ "or": vec![eq.clone(); 65] });
    assert_invalid_filter(&client, "statuses", &many.to_string(), "64");
    assert_eq!(status_slugs(&client, json!({ "or": vec![eq; 64] })), set(&["draft"]), "64 conditions are fine");
    let long = json!({ "field": "name", "op": "in", "value": vec!["x".repeat(100); 90] });
    assert_invalid_filter(&client, "statuses", &long.to_string(), "longer");
}

#[test]
fn over_long_searches_and_values_are_400_not_database_errors() {
    // Regression: a 50,000-character search or icontains value was a 500 ("LIKE or GLOB
    // pattern too complex") for anonymous callers.
    let server = TestServer::start();
    let client = server.client();
    let resp = client.get(&format!("/api/v1/currencies/?search={}", "a".repeat(201)));
    assert_detail(&resp, 400, "invalid_search");
    assert!(resp.json["detail"].as_str().unwrap_or_default().contains("200"), "{}", resp.text);
    assert_eq!(get_ok(&client, &format!("/api/v1/currencies/?search={}", "a".repeat(200)))["count"], 0);
    let long = "x".repeat(1001);
    assert_detail(&client.get(&format!("/api/v1/currencies/?name__icontains={long}")), 400, "invalid_filter");
    assert_invalid_filter(
        &client,
        "currencies",
        &json!({ "field": "name", "op": "icontains", "value": long }).to_string(),
        "1000 characters",
    );
    assert_invalid_filter(
        &client,
        "currencies",
        &json!({ "field": "code", "op": "in", "value": [long] }).to_string(),
        "1000 characters",
    );
    assert_eq!(get_ok(&client, "/api/v1/currencies/")["count"], get_ok(&client, "/api/v1/currencies/")["count"]);
}

#[test]
fn deep_relation_paths_are_400_not_database_errors() {
    // Regression: a relation path 44 levels deep was a 500 ("Expression tree is too large").
    let server = TestServer::start();
    let admin = server.admin();
    let deep = format!("{}name", "parent.".repeat(44));
    let resp = admin
        .get(&format!("/api/v1/organizations/?filter={}", enc(&json!({ "field": deep, "value": "x" }).to_string())));
    assert_detail(&resp, 400, "invalid_filter");
    assert!(resp.json["detail"].as_str().unwrap_or_default().contains("more than 4 relations"), "{}", resp.text);
    let query = format!("/api/v1/organizations/?{}name=x", "parent__".repeat(44));
    assert_detail(&admin.get(&query), 400, "invalid_filter");
    let four = format!("{}name", "parent.".repeat(4));
    let resp = admin
        .get(&format!("/api/v1/organizations/?filter={}", enc(&json!({ "field": four, "value": "x" }).to_string())));
    assert_eq!(resp.status, 200, "four relations are allowed: {}", resp.text);
}

#[test]
fn too_many_filter_values_in_one_list_are_400() {
    // 64 conditions of 500 values each would bind more than one statement may.
    let server = TestServer::start();
    let client = server.client();
    let values = vec!["A"; 450].join(",");
    let resp = client.get(&format!("/api/v1/currencies/?{}", vec![format!("code__in={values}"); 5].join("&")));
    assert_detail(&resp, 400, "invalid_filter");
    assert!(resp.json["detail"].as_str().unwrap_or_default().contains("2000"), "{}", resp.text);
    let many: String = (0..65).map(|i| format!("code=C{i}&")).collect();
    let resp = client.get(&format!("/api/v1/currencies/?{many}"));
    assert_detail(&resp, 400, "invalid_filter");
    assert!(resp.json["detail"].as_str().unwrap_or_default().contains("64"), "{}", resp.text);
    let fine = vec![format!("code__in={values}"); 4].join("&");
    assert_eq!(get_ok(&client, &format!("/api/v1/currencies/?{fine}"))["count"], 0, "1,800 values are fine");
}

#[test]
fn filter_nodes_with_conflicting_keys_are_rejected() {
    let server = TestServer::start();
    let client = server.client();
    let cases = [
        // Both "and" and "or": one of them would be silently dropped.
        r#"{"and": [{"field": "category", "value": "Approval"}], "or": [{"field": "slug", "value": "draft"}]}"#,
        r#"{"not": {"field": "slug", "value": "draft"}, "field": "slug", "value": "active"}"#,
        r#"{"field": "slug", "value": "draft", "and": [{"field": "slug", "value": "active"}]}"#,
        // An operator that is not a string is not "eq".
        r#"{"field": "slug", "op": 5, "value": "draft"}"#,
        r#"{"field": "slug", "op": null, "value": "draft"}"#,
    ];
    for raw in cases {
        let resp = client.get(&format!("/api/v1/statuses/?filter={}", enc(raw)));
        assert_detail(&resp, 400, "invalid_filter");
    }
}

#[test]
fn filter_values_longer_than_the_field_match_nothing() {
    // A lookup value is not a stored value: django-filter's CharFilter has no max_length.
    let server = TestServer::start();
    let client = server.client();
    let body = filtered(&client, "currencies", &json!({ "field": "code", "op": "eq", "value": "EURO" }));
    assert_eq!(body["count"], 0, "{body}");
    let body = filtered(&client, "currencies", &json!({ "field": "code", "op": "in", "value": ["EUR", "DOLLAR"] }));
    assert_eq!(keys(&body, "code"), ["EUR"]);
}

// ---------------------------------------------------------------------------------------
// Create, update, delete

#[test]
fn create_answers_201_with_defaults_and_tracking_columns() {
    let server = TestServer::start();
    let (admin, admin_id) = admin_with_id(&server);
    let resp = admin.post("/api/v1/statuses/", &json!({ "slug": "on_hold", "name": "On Hold" }));
    assert_eq!(resp.status, 201, "{}", resp.text);
    let body = &resp.json;
    assert_eq!(body["slug"], "on_hold");
    assert_eq!(body["name"], "On Hold");
    assert_eq!((&body["description"], &body["category"], &body["color"]), (&json!(""), &json!(""), &json!("")));
    assert_eq!(body["custom_fields"], json!({}));
    assert_eq!(body["created_by"], admin_id);
    assert_eq!(body["updated_by"], admin_id);
    assert_eq!(timestamp(&body["created_at"]), timestamp(&body["updated_at"]));
    let expected_fields = [
        "slug",
        "name",
        "description",
        "category",
        "color",
        "custom_fields",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
    ];
    assert_eq!(
        body.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(expected_fields.map(String::from).to_vec())
    );
    assert_eq!(get_ok(&server.client(), "/api/v1/statuses/on_hold/"), resp.json);
    assert_eq!(get_ok(&server.client(), "/api/v1/statuses/")["count"], 11);

    let conversion =
        admin.post("/api/v1/uom-conversions/", &json!({ "from_uom": "BOX", "to_uom": "EA", "factor": "12" }));
    assert_eq!(conversion.status, 201, "{}", conversion.text);
    let id = conversion.json["id"].as_str().expect("generated id");
    assert!(uuid_like(id), "{id} is a UUID");
    assert_eq!(conversion.json["created_by"], admin_id);
}

#[test]
fn read_only_fields_in_a_body_are_ignored() {
    let server = TestServer::start();
    let (admin, admin_id) = admin_with_id(&server);
    let resp = admin.post(
        "/api/v1/uom-conversions/",
        &json!({
            "id": "not-my-id", "from_uom": "BOX", "to_uom": "EA", "factor": "6",
            "created_at": "2000-01-01T00:00:00Z", "updated_at": "2000-01-01T00:00:00Z",
            "created_by": "someone-else", "updated_by": "someone-else",
        }),
    );
    assert_eq!(resp.status, 201, "{}", resp.text);
    let id = resp.json["id"].as_str().expect("id").to_string();
    assert_ne!(id, "not-my-id");
    assert_eq!(resp.json["created_by"], admin_id);
    assert!(timestamp(&resp.json["created_at"]).timestamp() > 946_684_800, "created_at is now, not 2000");

    let path = format!("/api/v1/uom-conversions/{id}/");
    let patched = admin.patch(&path, &json!({ "id": "other", "created_at": "2000-01-01T00:00:00Z", "factor": "8" }));
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.json["id"], id.as_str());
    assert_eq!(patched.json["created_at"], resp.json["created_at"]);
    assert_eq!(patched.json["factor"], "8.0000000000");
}

#[test]
fn patch_changes_only_the_given_fields_and_moves_updated_at() {
    let server = TestServer::start();
    let (admin, admin_id) = admin_with_id(&server);
    let before = get_ok(&admin, "/api/v1/statuses/draft/");
    assert_eq!(before["updated_by"], Value::Null);
    let resp = admin.patch("/api/v1/statuses/draft/", &json!({ "description": "Being written." }));
    assert_eq!(resp.status, 200, "{}", resp.text);
    let after = &resp.json;
    assert_eq!(after["description"], "Being written.");
    for unchanged in ["slug", "name", "category", "color", "custom_fields", "created_at", "created_by"] {
        assert_eq!(after[unchanged], before[unchanged], "{unchanged} is kept");
    }
    assert_eq!(after["updated_by"], admin_id);
    assert!(timestamp(&after["updated_at"]) > timestamp(&before["updated_at"]), "updated_at moves forward");
    assert_eq!(&get_ok(&admin, "/api/v1/statuses/draft/"), after);

    let again = admin.patch("/api/v1/statuses/draft/", &json!({}));
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json["description"], "Being written.");
    assert!(timestamp(&again.json["updated_at"]) > timestamp(&after["updated_at"]));
}

#[test]
fn put_requires_the_required_fields() {
    let server = TestServer::start();
    let admin = server.admin();
    let before = get_ok(&admin, "/api/v1/uoms/KG/");
    let resp = admin.put("/api/v1/uoms/KG/", &json!({ "code": "KG", "symbol": "kilo" }));
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert_eq!(resp.json, json!({ "name": ["This field is required."], "uom_type": ["This field is required."] }));
    assert_eq!(get_ok(&admin, "/api/v1/uoms/KG/"), before, "a refused PUT changes nothing");

    let resp = admin.put("/api/v1/uoms/KG/", &json!({ "code": "KG", "name": "Kilogramme", "uom_type": "Mass" }));
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.json["name"], "Kilogramme");
    assert_eq!(resp.json["symbol"], "kg", "optional fields left out keep their value");
    assert_eq!(resp.json["is_active"], true);
    assert!(timestamp(&resp.json["updated_at"]) > timestamp(&before["updated_at"]));

    let resp = admin.put(
        "/api/v1/uoms/KG/",
        &json!({ "code": "KG", "name": "Kilogram", "uom_type": "Mass", "symbol": "KG", "is_active": false }),
    );
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!((resp.json["symbol"].as_str(), resp.json["is_active"].as_bool()), (Some("KG"), Some(false)));
}

#[test]
fn the_natural_key_cannot_change() {
    let server = TestServer::start();
    let admin = server.admin();
    let before = get_ok(&admin, "/api/v1/statuses/draft/");
    let resp = admin.patch("/api/v1/statuses/draft/", &json!({ "slug": "sketch", "name": "Sketch" }));
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert_eq!(resp.json, json!({ "slug": ["This field cannot be changed once set."] }));
    let resp = admin.put("/api/v1/currencies/EUR/", &json!({ "code": "EUX", "name": "Euro" }));
    assert_field_error(&resp, "code", "cannot be changed");
    assert_not_found(&admin.get("/api/v1/statuses/sketch/"));
    assert_eq!(get_ok(&admin, "/api/v1/statuses/draft/"), before);

    let same = admin.patch("/api/v1/statuses/draft/", &json!({ "slug": "draft", "name": "Drafting" }));
    assert_eq!(same.status, 200, "the unchanged key may be sent: {}", same.text);
    assert_eq!(same.json["name"], "Drafting");
}

#[test]
fn delete_answers_204_and_the_row_is_gone() {
    let server = TestServer::start();
    let admin = server.admin();
    let resp = admin.delete("/api/v1/statuses/archived/");
    assert_eq!(resp.status, 204, "{}", resp.text);
    assert_eq!(resp.text, "");
    assert_not_found(&admin.get("/api/v1/statuses/archived/"));
    assert_not_found(&admin.delete("/api/v1/statuses/archived/"));
    let list = get_ok(&admin, "/api/v1/statuses/");
    assert_eq!(list["count"], 9);
    assert!(!keys(&list, "slug").contains(&"archived".to_string()));
}

#[test]
fn unknown_keys_are_404_for_every_method() {
    let server = TestServer::start();
    let admin = server.admin();
    for (path, change) in [
        ("/api/v1/statuses/nope/", json!({ "description": "x" })),
        ("/api/v1/currencies/ZZZ/", json!({ "symbol": "x" })),
        ("/api/v1/uoms/NOPE/", json!({ "symbol": "x" })),
        ("/api/v1/uom-conversions/01900000-0000-7000-8000-000000000000/", json!({ "factor": "2" })),
        ("/api/v1/organization-types/Nope/", json!({ "description": "x" })),
    ] {
        assert_not_found(&admin.get(path));
        assert_not_found(&admin.patch(path, &change));
        assert_not_found(&admin.delete(path));
    }
    let put = admin.put("/api/v1/statuses/nope/", &json!({ "slug": "nope", "name": "Nope" }));
    assert_not_found(&put);
    assert_not_found(&admin.get("/api/v1/statuses/nope/"));
    assert_eq!(get_ok(&admin, "/api/v1/statuses/")["count"], 10, "PUT does not create");
}

#[test]
fn updates_of_unknown_keys_are_404_before_validation() {
    // DRF looks the object up before validating the body.
    let server = TestServer::start();
    let admin = server.admin();
    assert_not_found(&admin.patch("/api/v1/statuses/nope/", &json!({ "bogus": 1 })));
    assert_not_found(&admin.put("/api/v1/statuses/nope/", &json!({ "description": "no slug, no name" })));
}

// ---------------------------------------------------------------------------------------
// Validation

#[test]
fn unknown_fields_are_rejected() {
    let server = TestServer::start();
    let admin = server.admin();
    let resp = admin.post("/api/v1/statuses/", &json!({ "slug": "x", "name": "X", "colour": "#FFFFFF" }));
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert_eq!(resp.json, json!({ "colour": ["Unknown field."] }));
    let resp = admin.patch("/api/v1/statuses/draft/", &json!({ "bogus": true }));
    assert_eq!(resp.json, json!({ "bogus": ["Unknown field."] }));
    let resp = admin.post("/api/v1/organization-types/", &json!({ "name": "Guild", "custom_fields": {} }));
    assert_eq!(resp.json, json!({ "custom_fields": ["Unknown field."] }), "organization types have no custom fields");
    assert_eq!(get_ok(&admin, "/api/v1/statuses/")["count"], 10);
}

#[test]
fn values_of_the_wrong_type_are_field_errors() {
    let server = TestServer::start();
    let admin = server.admin();
    let resp = admin.post(
        "/api/v1/currencies/",
        &json!({ "code": "QQQ", "name": true, "decimal_places": "two", "is_active": "maybe", "symbol": ["$"] }),
    );
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert_eq!(
        resp.json,
        json!({
            "name": ["Not a valid string."],
            "decimal_places": ["A valid integer is required."],
            "is_active": ["Must be a valid boolean."],
            "symbol": ["Not a valid string."],
        }),
        "every bad field is reported at once"
    );
    let resp = admin.post("/api/v1/uom-conversions/", &json!({ "from_uom": null, "to_uom": "G", "factor": true }));
    assert_field_error(&resp, "from_uom", "may not be null");
    assert_field_error(&resp, "factor", "valid number");
    assert_field_error(&admin.patch("/api/v1/statuses/draft/", &json!({ "name": null })), "name", "may not be null");
    assert_field_error(&admin.patch("/api/v1/statuses/draft/", &json!({ "name": "  " })), "name", "may not be blank");

    // DRF-compatible coercions are accepted.
    let resp = admin.post(
        "/api/v1/currencies/",
        &json!({ "code": "QQQ", "name": "Test", "decimal_places": "3", "is_active": "false" }),
    );
    assert_eq!(resp.status, 201, "{}", resp.text);
    assert_eq!((resp.json["decimal_places"].as_i64(), resp.json["is_active"].as_bool()), (Some(3), Some(false)));
}

#[test]
fn lengths_ranges_choices_colors_and_decimals_are_checked() {
    let server = TestServer::start();
    let admin = server.admin();
    let status = |body: Value| admin.post("/api/v1/statuses/", &body);
    assert_field_error(
        &status(json!({ "slug": "long", "name": "n".repeat(101) })),
        "name",
        "no more than 100 characters",
    );
    let ok = status(json!({ "slug": "long", "name": "ü".repeat(100) }));
    assert_eq!(ok.status, 201, "100 characters (not bytes) fit: {}", ok.text);
    assert_field_error(&status(json!({ "slug": "tint", "name": "Tint", "color": "green" })), "color", "#RRGGBB");
    assert_field_error(&status(json!({ "slug": "a b", "name": "Spaced" })), "slug", "slug");

    let uom = |body: Value| admin.post("/api/v1/uoms/", &body);
    assert_field_error(
        &uom(json!({ "code": "X", "name": "X", "uom_type": "Weight" })),
        "uom_type",
        "not a valid choice",
    );
    assert_field_error(
        &uom(json!({ "code": "X".repeat(21), "name": "X", "uom_type": "Count" })),
        "code",
        "no more than 20",
    );
    assert_field_error(
        &uom(json!({ "code": "X", "name": "X", "uom_type": "Count", "symbol": "s".repeat(11) })),
        "symbol",
        "10",
    );

    assert_field_error(
        &admin.patch("/api/v1/currencies/EUR/", &json!({ "decimal_places": -1 })),
        "decimal_places",
        "greater than or equal to 0",
    );
    assert_field_error(
        &admin.patch("/api/v1/currencies/EUR/", &json!({ "decimal_places": 40000 })),
        "decimal_places",
        "less than or equal to 32767",
    );

    let conversion = |factor: Value| {
        admin.post("/api/v1/uom-conversions/", &json!({ "from_uom": "BOX", "to_uom": "EA", "factor": factor }))
    };
    assert_field_error(&conversion(json!("1.12345678901")), "factor", "no more than 10 decimal places");
    assert_field_error(&conversion(json!("123456789")), "factor", "no more than 8 digits before the decimal point");
    assert_field_error(&conversion(json!("twelve")), "factor", "valid number");
    let fine = conversion(json!("12345678.0123456789"));
    assert_eq!(fine.status, 201, "{}", fine.text);
    assert_eq!(fine.json["factor"], "12345678.0123456789");
    assert_eq!(get_ok(&admin, "/api/v1/statuses/")["count"], 11, "only the valid status was created");
}

#[test]
fn a_body_that_is_not_a_json_object_is_400() {
    let server = TestServer::start();
    let admin = server.admin();
    let resp = admin.post("/api/v1/statuses/", &json!([{ "slug": "x", "name": "X" }]));
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert_eq!(resp.json, json!({ "non_field_errors": ["Invalid data. Expected a dictionary, but got list."] }));
    for body in [json!("text"), json!(42), json!(null)] {
        let resp = admin.patch("/api/v1/statuses/draft/", &body);
        assert_eq!(resp.status, 400, "{body}: {}", resp.text);
        assert!(resp.json["non_field_errors"].is_array(), "{body}: {}", resp.text);
    }
    let resp = admin.request(
        "POST",
        "/api/v1/statuses/",
        &[("Content-Type", "application/json")],
        Some(br#"{"slug": "x", "name": }"#),
    );
    assert_detail(&resp, 400, "parse_error");
    assert_eq!(get_ok(&admin, "/api/v1/statuses/")["count"], 10);
}

#[test]
fn unique_violations_are_400_field_errors() {
    let server = TestServer::start();
    let admin = server.admin();
    let resp = admin.post("/api/v1/statuses/", &json!({ "slug": "draft", "name": "Another Draft" }));
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert_eq!(resp.json, json!({ "slug": ["status with this slug already exists."] }));
    let resp = admin.post("/api/v1/statuses/", &json!({ "slug": "draft2", "name": "Draft" }));
    assert_eq!(resp.json, json!({ "name": ["status with this name already exists."] }));
    let resp = admin.post("/api/v1/uoms/", &json!({ "code": "KILO", "name": "Kilogram", "uom_type": "Mass" }));
    assert_field_error(&resp, "name", "already exists");

    let before = get_ok(&admin, "/api/v1/currencies/CHF/");
    let resp = admin.patch("/api/v1/currencies/CHF/", &json!({ "name": "Euro", "symbol": "Fr." }));
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert_eq!(resp.json, json!({ "name": ["currency with this name already exists."] }));
    assert_eq!(get_ok(&admin, "/api/v1/currencies/CHF/"), before, "the symbol was not half-applied");
    assert_eq!(get_ok(&admin, "/api/v1/statuses/")["count"], 10);
}

#[test]
fn foreign_keys_to_missing_rows_are_400_field_errors() {
    let server = TestServer::start();
    let admin = server.admin();
    let resp = admin
        .post("/api/v1/uom-conversions/", &json!({ "from_uom": "PARSEC", "to_uom": "LIGHTYEAR", "factor": "3.26" }));
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert_eq!(
        resp.json,
        json!({
            "from_uom": ["Invalid pk \"PARSEC\" - object does not exist."],
            "to_uom": ["Invalid pk \"LIGHTYEAR\" - object does not exist."],
        })
    );
    assert_eq!(get_ok(&admin, "/api/v1/uom-conversions/")["count"], 16);
}

#[test]
fn deleting_a_referenced_row_is_409_protected() {
    let server = TestServer::start();
    let admin = server.admin();
    let resp = admin.delete("/api/v1/uoms/KG/");
    assert_detail(&resp, 409, "protected");
    assert_eq!(get_ok(&admin, "/api/v1/uoms/KG/")["code"], "KG");

    let pallet = admin.post("/api/v1/uoms/", &json!({ "code": "PAL", "name": "Pallet", "uom_type": "Count" }));
    assert_eq!(pallet.status, 201, "{}", pallet.text);
    let link = admin.post("/api/v1/uom-conversions/", &json!({ "from_uom": "EA", "to_uom": "PAL", "factor": "0.01" }));
    assert_eq!(link.status, 201, "{}", link.text);
    assert_detail(&admin.delete("/api/v1/uoms/PAL/"), 409, "protected");
    assert_detail(&admin.delete("/api/v1/uoms/EA/"), 409, "protected");
    let id = link.json["id"].as_str().expect("id");
    assert_eq!(admin.delete(&format!("/api/v1/uom-conversions/{id}/")).status, 204);
    assert_eq!(admin.delete("/api/v1/uoms/PAL/").status, 204, "free once nothing refers to it");
}

#[test]
fn failed_writes_leave_nothing_behind() {
    let server = TestServer::start();
    let admin = server.admin();
    let lists = ["statuses", "uoms", "uom-conversions", "currencies"];
    let snapshot = || lists.map(|plural| get_ok(&admin, &format!("/api/v1/{plural}/?page_size=1000")));
    let before = snapshot();
    let failures = [
        admin.post("/api/v1/statuses/", &json!({ "slug": "fine", "name": "Fine", "color": "nope" })),
        admin.post("/api/v1/statuses/", &json!({ "slug": "fine", "name": "Draft" })),
        admin.post("/api/v1/statuses/", &json!({ "slug": "fine", "name": "Fine", "extra": 1 })),
        admin.put("/api/v1/statuses/draft/", &json!({ "slug": "draft", "name": "Active", "description": "x" })),
        admin.patch("/api/v1/statuses/draft/", &json!({ "description": "changed", "color": "#12" })),
        admin.patch("/api/v1/statuses/draft/", &json!({ "description": "changed", "slug": "sketch" })),
        admin.post("/api/v1/uoms/", &json!({ "code": "PAL", "name": "Pallet", "uom_type": "Crate" })),
        admin.post("/api/v1/uom-conversions/", &json!({ "from_uom": "BOX", "to_uom": "NOPE", "factor": "12" })),
        admin.post("/api/v1/uom-conversions/", &json!({ "from_uom": "LB", "to_uom": "KG", "factor": "0.5" })),
        admin.patch("/api/v1/currencies/USD/", &json!({ "symbol": "US$", "numeric_code": "978" })),
        admin.delete("/api/v1/uoms/KG/"),
        server.client().patch("/api/v1/statuses/draft/", &json!({ "description": "anonymous" })),
    ];
    for resp in &failures {
        assert!((400..500).contains(&resp.status), "expected a refusal: {} {}", resp.status, resp.text);
    }
    assert_eq!(snapshot(), before, "every list is exactly as before");
}

// ---------------------------------------------------------------------------------------
// Access

#[test]
fn anonymous_writes_are_401_not_authenticated() {
    let server = TestServer::start();
    let anonymous = server.client();
    let responses = [
        anonymous.post("/api/v1/statuses/", &json!({ "slug": "x", "name": "X" })),
        anonymous.put("/api/v1/statuses/draft/", &json!({ "slug": "draft", "name": "X" })),
        anonymous.patch("/api/v1/statuses/draft/", &json!({ "name": "X" })),
        anonymous.delete("/api/v1/statuses/draft/"),
        anonymous.delete("/api/v1/uoms/EA/"),
        anonymous.post("/api/v1/uom-conversions/", &json!({ "from_uom": "BOX", "to_uom": "EA", "factor": "12" })),
    ];
    for resp in &responses {
        assert_detail(resp, 401, "not_authenticated");
    }
    let bad_token = anonymous.with_token("not-a-token");
    assert_detail(&bad_token.patch("/api/v1/statuses/draft/", &json!({ "name": "X" })), 401, "not_authenticated");
    assert_detail(&bad_token.get("/api/v1/statuses/"), 401, "not_authenticated");
    assert_eq!(get_ok(&anonymous, "/api/v1/statuses/draft/")["name"], "Draft");
    assert_eq!(get_ok(&anonymous, "/api/v1/statuses/")["count"], 10);
    assert_eq!(get_ok(&anonymous, "/api/v1/uoms/EA/")["code"], "EA");
}

#[test]
fn non_superusers_read_but_cannot_write() {
    let server = TestServer::start();
    let bob = regular_user(&server);
    assert_eq!(get_ok(&bob, "/api/v1/statuses/draft/")["name"], "Draft");
    assert!(keys(&get_ok(&bob, "/api/v1/currencies/?search=euro"), "code").contains(&"EUR".to_string()));
    let responses = [
        bob.post("/api/v1/statuses/", &json!({ "slug": "x", "name": "X" })),
        bob.put("/api/v1/currencies/EUR/", &json!({ "code": "EUR", "name": "X" })),
        bob.patch("/api/v1/uoms/KG/", &json!({ "name": "X" })),
        bob.delete("/api/v1/organization-types/Team/"),
    ];
    for resp in &responses {
        assert_detail(resp, 403, "permission_denied");
    }
    assert_eq!(get_ok(&bob, "/api/v1/uoms/KG/")["name"], "Kilogram");
    assert_eq!(get_ok(&bob, "/api/v1/organization-types/Team/")["name"], "Team");
    assert_eq!(get_ok(&bob, "/api/v1/statuses/")["count"], 10);
}

#[test]
fn countries_and_timezones_refuse_writes_even_from_the_superuser() {
    let server = TestServer::start();
    let admin = server.admin();
    let responses = [
        admin.post(
            "/api/v1/countries/",
            &json!({ "code": "XK", "alpha3": "XKX", "numeric_code": "999", "name": "Kosovo" }),
        ),
        admin.put(
            "/api/v1/countries/DE/",
            &json!({ "code": "DE", "alpha3": "DEU", "numeric_code": "276", "name": "Deutschland" }),
        ),
        admin.patch("/api/v1/countries/DE/", &json!({ "name": "Deutschland" })),
        admin.delete("/api/v1/countries/DE/"),
        admin.post("/api/v1/timezones/", &json!({ "code": "Mars/Olympus" })),
        admin.patch("/api/v1/timezones/Europe%2FBerlin/", &json!({ "area": "Mitteleuropa" })),
        admin.delete("/api/v1/timezones/Europe%2FBerlin/"),
        regular_user(&server).post("/api/v1/countries/", &json!({ "code": "XX" })),
    ];
    // Read-only vocabularies have no write methods at all: 405 for everybody, not 403.
    for resp in &responses {
        assert_detail(resp, 405, "method_not_allowed");
        assert_eq!(resp.header("Allow"), Some("GET, HEAD"), "{}", resp.text);
    }
    assert_eq!(get_ok(&admin, "/api/v1/countries/DE/")["name"], "Germany");
    assert_eq!(get_ok(&admin, "/api/v1/timezones/Europe%2FBerlin/")["area"], "Europe");
    assert_eq!(get_ok(&admin, "/api/v1/countries/")["count"], isocountry::CountryCode::iter().count());
}

#[test]
fn anonymous_writes_to_read_only_vocabularies_are_405() {
    // The method does not exist on these routes, whoever asks: 405 comes before 401.
    let server = TestServer::start();
    let anonymous = server.client();
    assert_detail(&anonymous.post("/api/v1/countries/", &json!({ "code": "XK" })), 405, "method_not_allowed");
    assert_detail(&anonymous.delete("/api/v1/timezones/UTC/"), 405, "method_not_allowed");
    let stale = anonymous.with_token("garbage").patch("/api/v1/countries/DE/", &json!({ "name": "X" }));
    assert_detail(&stale, 405, "method_not_allowed");
}
