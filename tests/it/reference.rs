//! Reference data over HTTP: the built-in data sets (statuses, ISO 4217 currencies, units of
//! measure and their conversions, organization types, countries, time zones), idempotent
//! seeding across restarts, field defaults, natural-key lookups, anonymous reads, unit
//! conversion (`uoms/convert/`) and the validation of conversions and custom fields.

use std::collections::{BTreeMap, BTreeSet};

use iso_currency::IntoEnumIterator;
use serde_json::{Value, json};

use crate::common::{Client, Resp, TestServer, assert_field_error, assert_not_found, enc, get_ok};

/// Every reference-data list endpoint.
const PLURALS: &[&str] =
    &["statuses", "currencies", "uoms", "uom-conversions", "organization-types", "countries", "timezones"];

/// An advanced filter that matches active and inactive rows alike.
const ANY_ACTIVITY: &str = r#"{"field": "is_active", "op": "in", "value": [true, false]}"#;

/// The spec's ten statuses: slug, name, category, color.
const STATUSES: &[(&str, &str, &str, &str)] = &[
    ("draft", "Draft", "General", "#AAAAAA"),
    ("active", "Active", "General", "#4CAF50"),
    ("inactive", "Inactive", "General", "#FF9800"),
    ("archived", "Archived", "General", "#9E9E9E"),
    ("pending", "Pending", "Process", "#2196F3"),
    ("pending_approval", "Pending Approval", "Approval", "#2196F3"),
    ("approved", "Approved", "Approval", "#4CAF50"),
    ("rejected", "Rejected", "Approval", "#F44336"),
    ("completed", "Completed", "Process", "#00BCD4"),
    ("cancelled", "Cancelled", "Process", "#795548"),
];

/// The spec's fourteen units plus the area and time units: code, name, type.
const UOMS: &[(&str, &str, &str)] = &[
    ("EA", "Each", "Count"),
    ("BOX", "Box", "Count"),
    ("KG", "Kilogram", "Mass"),
    ("G", "Gram", "Mass"),
    ("LB", "Pound", "Mass"),
    ("OZ", "Ounce", "Mass"),
    ("M", "Meter", "Length"),
    ("CM", "Centimeter", "Length"),
    ("MM", "Millimeter", "Length"),
    ("FT", "Foot", "Length"),
    ("IN", "Inch", "Length"),
    ("L", "Liter", "Volume"),
    ("ML", "Milliliter", "Volume"),
    ("GAL", "Gallon", "Volume"),
    ("M2", "Square Meter", "Area"),
    ("CM2", "Square Centimeter", "Area"),
    ("FT2", "Square Foot", "Area"),
    ("HA", "Hectare", "Area"),
    ("S", "Second", "Time"),
    ("MIN", "Minute", "Time"),
    ("H", "Hour", "Time"),
    ("DAY", "Day", "Time"),
    ("WK", "Week", "Time"),
];

const ORGANIZATION_TYPES: &[&str] =
    &["Company", "Division", "Department", "Team", "Location/Branch", "Customer", "Supplier", "Partner", "Vendor"];

/// Every row of a list (one page of up to 1000), after checking the count matches.
fn all_rows(client: &Client, path: &str) -> Vec<Value> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let body = get_ok(client, &format!("{path}{separator}page_size=1000"));
    let rows = body["results"].as_array().expect("results").clone();
    assert_eq!(body["count"].as_u64(), Some(rows.len() as u64), "{path}: more than one page");
    rows
}

/// The `count` of a list.
fn count(client: &Client, path: &str) -> u64 {
    get_ok(client, path)["count"].as_u64().expect("count")
}

/// The field `key` of every row.
fn column(rows: &[Value], key: &str) -> Vec<String> {
    rows.iter().map(|r| r[key].as_str().expect("string key").to_string()).collect()
}

/// `uoms/convert/` with the given raw query string.
fn convert(client: &Client, query: &str) -> Resp {
    client.get(&format!("/api/v1/uoms/convert/?{query}"))
}

/// Converts and answers the `result`, asserting success.
fn converted(client: &Client, from: &str, to: &str, value: &str) -> String {
    let resp = convert(client, &format!("from={from}&to={to}&value={value}"));
    assert_eq!(resp.status, 200, "{from}->{to}: {}", resp.text);
    assert_eq!(resp.json["from"], from);
    assert_eq!(resp.json["to"], to);
    resp.json["result"].as_str().expect("result string").to_string()
}

/// Asserts a 400 `invalid_query` whose detail mentions `needle`.
fn assert_bad_conversion(resp: &Resp, needle: &str) {
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert_eq!(resp.json["code"], "invalid_query", "{}", resp.text);
    let detail = resp.json["detail"].as_str().expect("detail");
    assert!(detail.contains(needle), "detail {detail:?} does not mention {needle:?}");
}

/// Counts of every reference list (currencies and uoms including inactive rows).
fn all_counts(client: &Client) -> BTreeMap<&'static str, u64> {
    PLURALS
        .iter()
        .map(|plural| {
            let path = match *plural {
                "currencies" | "uoms" => format!("/api/v1/{plural}/?filter={}", enc(ANY_ACTIVITY)),
                _ => format!("/api/v1/{plural}/"),
            };
            (*plural, count(client, &path))
        })
        .collect()
}

#[test]
fn statuses_are_seeded_with_slugs_names_categories_and_colors() {
    let server = TestServer::start();
    let rows = all_rows(&server.client(), "/api/v1/statuses/");
    assert_eq!(rows.len(), STATUSES.len());
    for (slug, name, category, color) in STATUSES {
        let row = rows.iter().find(|r| r["slug"] == *slug).unwrap_or_else(|| panic!("status {slug} is missing"));
        assert_eq!(row["name"], *name, "{slug}");
        assert_eq!(row["category"], *category, "{slug}");
        assert_eq!(row["color"], *color, "{slug}");
        assert!(row["description"].as_str().is_some_and(|d| !d.is_empty()), "{slug} has a description");
        assert_eq!(row["custom_fields"], json!({}));
        assert_eq!(row["created_by"], Value::Null, "seeds belong to nobody");
    }
    let pending = get_ok(&server.client(), "/api/v1/statuses/pending_approval/");
    assert_eq!(pending["name"], "Pending Approval");
    assert_eq!(pending["description"], "Waiting for approval step.");
}

#[test]
fn every_iso_4217_currency_is_seeded_and_superseded_ones_are_inactive() {
    let server = TestServer::start();
    let client = server.client();
    let active = all_rows(&client, "/api/v1/currencies/?is_active=true");
    let inactive = all_rows(&client, "/api/v1/currencies/?is_active=false");
    let seeded: BTreeMap<String, &Value> =
        active.iter().chain(&inactive).map(|r| (r["code"].as_str().expect("code").to_string(), r)).collect();

    let expected: Vec<iso_currency::Currency> = iso_currency::Currency::iter().collect();
    assert!(expected.len() > 150, "the crate lists the ISO 4217 set");
    let missing: Vec<&str> = expected.iter().map(|c| c.code()).filter(|code| !seeded.contains_key(*code)).collect();
    assert_eq!(missing, Vec::<&str>::new(), "every ISO 4217 currency has a row");
    assert_eq!(seeded.len(), expected.len(), "one row per ISO 4217 currency");
    for currency in expected {
        let row = seeded[currency.code()];
        let name = row["name"].as_str().expect("name");
        if currency.is_superseded().is_none() {
            assert_eq!(name, currency.name(), "{}", currency.code());
        } else {
            // Names are unique: a superseded currency may carry a distinguishing suffix.
            assert!(name.starts_with(currency.name()), "{}: {name}", currency.code());
        }
        assert_eq!(row["numeric_code"], format!("{:03}", currency.numeric()), "{}", currency.code());
        assert_eq!(row["decimal_places"], currency.exponent().unwrap_or(0), "{}", currency.code());
        assert_eq!(row["is_active"], currency.is_superseded().is_none(), "{}", currency.code());
    }

    let usd = get_ok(&client, "/api/v1/currencies/USD/");
    assert_eq!(usd["name"], "United States dollar");
    assert_eq!(usd["symbol"], "$");
    assert_eq!(usd["numeric_code"], "840");
    assert_eq!(usd["decimal_places"], 2);
    assert_eq!(usd["is_active"], true);
    let jpy = get_ok(&client, "/api/v1/currencies/JPY/");
    assert_eq!(jpy["decimal_places"], 0);
    assert_eq!(jpy["numeric_code"], "392");
    let eur = get_ok(&client, "/api/v1/currencies/EUR/");
    assert_eq!(
        (eur["name"].as_str(), eur["symbol"].as_str(), eur["numeric_code"].as_str()),
        (Some("Euro"), Some("€"), Some("978"))
    );
    let hrk = get_ok(&client, "/api/v1/currencies/HRK/");
    assert_eq!(hrk["name"], "Croatian kuna");
    assert_eq!(hrk["is_active"], false, "the kuna was superseded by the euro");

    let default_list = column(&all_rows(&client, "/api/v1/currencies/"), "code");
    assert_eq!(default_list, column(&active, "code"), "the default list is the active currencies");
    assert!(!default_list.contains(&"HRK".to_string()));
}

#[test]
fn units_of_measure_are_seeded_with_their_types() {
    let server = TestServer::start();
    let rows = all_rows(&server.client(), "/api/v1/uoms/");
    assert_eq!(rows.len(), UOMS.len(), "{:?}", column(&rows, "code"));
    for (code, name, kind) in UOMS {
        let row = rows.iter().find(|r| r["code"] == *code).unwrap_or_else(|| panic!("unit {code} is missing"));
        assert_eq!(row["name"], *name, "{code}");
        assert_eq!(row["uom_type"], *kind, "{code}");
        assert_eq!(row["is_active"], true, "{code}");
    }
    let kg = get_ok(&server.client(), "/api/v1/uoms/KG/");
    assert_eq!(kg["symbol"], "kg");
    assert_eq!(get_ok(&server.client(), "/api/v1/uoms/ML/")["symbol"], "mL");
}

#[test]
fn seeded_conversions_carry_exact_factors() {
    let server = TestServer::start();
    let rows = all_rows(&server.client(), "/api/v1/uom-conversions/");
    let factors: BTreeMap<(String, String), String> = rows
        .iter()
        .map(|r| {
            let pair =
                (r["from_uom"].as_str().expect("from").to_string(), r["to_uom"].as_str().expect("to").to_string());
            (pair, r["factor"].as_str().expect("decimal string").to_string())
        })
        .collect();
    assert_eq!(factors.len(), 16, "{factors:?}");
    let factor = |from: &str, to: &str| factors.get(&(from.to_string(), to.to_string())).map(String::as_str);
    assert_eq!(factor("KG", "G"), Some("1000.0000000000"));
    assert_eq!(factor("LB", "KG"), Some("0.4535923700"));
    assert_eq!(factor("IN", "CM"), Some("2.5400000000"));
    assert_eq!(factor("GAL", "L"), Some("3.7854117840"));
    assert_eq!(factor("WK", "DAY"), Some("7.0000000000"));
    for row in &rows {
        assert!(row["id"].as_str().is_some_and(|id| id.len() == 36), "conversions have UUID ids: {row}");
    }
}

#[test]
fn organization_types_are_seeded_and_looked_up_by_name() {
    let server = TestServer::start();
    let rows = all_rows(&server.client(), "/api/v1/organization-types/");
    let names: BTreeSet<String> = column(&rows, "name").into_iter().collect();
    let expected: BTreeSet<String> = ORGANIZATION_TYPES.iter().map(|s| s.to_string()).collect();
    assert_eq!(names, expected);
    let branch = get_ok(&server.client(), "/api/v1/organization-types/Location%2FBranch/");
    assert_eq!(branch["name"], "Location/Branch");
    assert_eq!(branch["description"], "A physical office or branch location.");
    assert_eq!(get_ok(&server.client(), "/api/v1/organization-types/Company/")["name"], "Company");
}

#[test]
fn countries_and_timezones_are_complete_vocabularies() {
    let server = TestServer::start();
    let client = server.client();
    assert_eq!(count(&client, "/api/v1/countries/"), isocountry::CountryCode::iter().count() as u64);
    let germany = get_ok(&client, "/api/v1/countries/DE/");
    assert_eq!(germany["name"], "Germany");
    assert_eq!(germany["alpha3"], "DEU");
    assert_eq!(germany["numeric_code"], "276");
    assert_eq!(get_ok(&client, "/api/v1/countries/US/")["alpha3"], "USA");

    assert_eq!(count(&client, "/api/v1/timezones/"), chrono_tz::TZ_VARIANTS.len() as u64);
    let berlin = get_ok(&client, "/api/v1/timezones/Europe%2FBerlin/");
    assert_eq!(berlin["code"], "Europe/Berlin");
    assert_eq!(berlin["area"], "Europe");
    assert_eq!(get_ok(&client, "/api/v1/timezones/UTC/")["area"], "");
    let european = all_rows(&client, "/api/v1/timezones/?area=Europe");
    assert!(
        european.len() > 30 && european.iter().all(|r| r["code"].as_str().is_some_and(|c| c.starts_with("Europe/")))
    );
}

#[test]
fn restarting_does_not_seed_twice() {
    let server = TestServer::start();
    let before = all_counts(&server.client());
    assert_eq!(before["statuses"], 10);
    assert_eq!(before["uoms"], 23);
    assert_eq!(before["organization-types"], 9);
    let server = server.restart();
    assert_eq!(all_counts(&server.client()), before, "a second start adds nothing");
    let server = server.restart();
    assert_eq!(all_counts(&server.client()), before, "nor does a third");
}

#[test]
fn edited_seed_rows_keep_their_edits_across_restarts() {
    let server = TestServer::start();
    let admin = server.admin();
    let edited = admin.patch("/api/v1/statuses/draft/", &json!({ "description": "Our own wording." }));
    assert_eq!(edited.status, 200, "{}", edited.text);
    let usd = admin.patch("/api/v1/currencies/USD/", &json!({ "symbol": "US$" }));
    assert_eq!(usd.status, 200, "{}", usd.text);
    let team = admin.put("/api/v1/organization-types/Team/", &json!({ "name": "Team", "description": "Squad." }));
    assert_eq!(team.status, 200, "{}", team.text);

    let server = server.restart();
    let client = server.client();
    let draft = get_ok(&client, "/api/v1/statuses/draft/");
    assert_eq!(draft["description"], "Our own wording.");
    assert_eq!(draft["updated_at"], edited.json["updated_at"], "the seed did not touch the row");
    assert_eq!(get_ok(&client, "/api/v1/currencies/USD/")["symbol"], "US$");
    assert_eq!(get_ok(&client, "/api/v1/organization-types/Team/")["description"], "Squad.");
}

#[test]
fn deleted_seed_rows_stay_deleted_across_restarts() {
    let server = TestServer::start();
    let admin = server.admin();
    for path in [
        "/api/v1/statuses/archived/",
        "/api/v1/currencies/XTS/",
        "/api/v1/uoms/EA/",
        "/api/v1/organization-types/Location%2FBranch/",
    ] {
        let resp = admin.delete(path);
        assert_eq!(resp.status, 204, "DELETE {path}: {}", resp.text);
    }
    let counts = all_counts(&server.client());
    assert_eq!(counts["statuses"], 9);

    let server = server.restart();
    let client = server.client();
    for path in [
        "/api/v1/statuses/archived/",
        "/api/v1/currencies/XTS/",
        "/api/v1/uoms/EA/",
        "/api/v1/organization-types/Location%2FBranch/",
    ] {
        assert_not_found(&client.get(path));
    }
    assert_eq!(all_counts(&client), counts);
}

#[test]
fn omitted_fields_take_their_defaults() {
    let server = TestServer::start();
    let admin = server.admin();

    let currency = admin.post("/api/v1/currencies/", &json!({ "code": "XAA", "name": "Test Crown" }));
    assert_eq!(currency.status, 201, "{}", currency.text);
    assert_eq!(currency.json["decimal_places"], 2);
    assert_eq!(currency.json["is_active"], true);
    assert_eq!(currency.json["symbol"], "");
    assert_eq!(currency.json["numeric_code"], Value::Null);
    assert_eq!(currency.json["custom_fields"], json!({}));

    let status = admin.post("/api/v1/statuses/", &json!({ "slug": "on_hold", "name": "On Hold" }));
    assert_eq!(status.status, 201, "{}", status.text);
    for blank in ["description", "category", "color"] {
        assert_eq!(status.json[blank], "", "{blank} is optional and blank");
    }
    assert_eq!(status.json["custom_fields"], json!({}));

    let uom = admin.post("/api/v1/uoms/", &json!({ "code": "PAL", "name": "Pallet", "uom_type": "Count" }));
    assert_eq!(uom.status, 201, "{}", uom.text);
    assert_eq!(uom.json["is_active"], true);
    assert_eq!(uom.json["symbol"], "");
    assert_eq!(uom.json["custom_fields"], json!({}));

    let kind = admin.post("/api/v1/organization-types/", &json!({ "name": "Guild" }));
    assert_eq!(kind.status, 201, "{}", kind.text);
    assert_eq!(kind.json["description"], "");

    // What the create answered is what a read answers.
    assert_eq!(get_ok(&server.client(), "/api/v1/currencies/XAA/"), currency.json);
    assert_eq!(get_ok(&server.client(), "/api/v1/statuses/on_hold/"), status.json);
}

#[test]
fn lookups_use_natural_keys_and_unknown_keys_are_404() {
    let server = TestServer::start();
    let client = server.client();
    assert_eq!(get_ok(&client, "/api/v1/statuses/approved/")["name"], "Approved");
    assert_eq!(get_ok(&client, "/api/v1/currencies/CHF/")["name"], "Swiss franc");
    assert_eq!(get_ok(&client, "/api/v1/uoms/GAL/")["name"], "Gallon");
    assert_eq!(get_ok(&client, "/api/v1/organization-types/Vendor/")["name"], "Vendor");
    let id = all_rows(&client, "/api/v1/uom-conversions/?from_uom=FT")[0]["id"].as_str().expect("id").to_string();
    assert_eq!(get_ok(&client, &format!("/api/v1/uom-conversions/{id}/"))["to_uom"], "IN");

    for path in [
        "/api/v1/statuses/no_such_status/",
        "/api/v1/currencies/ZZZ/",
        "/api/v1/currencies/usd/",
        "/api/v1/uoms/PARSEC/",
        "/api/v1/uom-conversions/01900000-0000-7000-8000-000000000000/",
        "/api/v1/organization-types/Guild/",
        "/api/v1/countries/ZZ/",
        "/api/v1/timezones/Mars%2FOlympus/",
    ] {
        assert_not_found(&client.get(path));
    }
}

#[test]
fn anonymous_clients_read_every_reference_list_and_object() {
    let server = TestServer::start();
    let client = server.client();
    for plural in PLURALS {
        let body = get_ok(&client, &format!("/api/v1/{plural}/?page_size=1"));
        assert!(body["count"].as_u64().is_some_and(|n| n > 0), "{plural} is not empty");
        assert_eq!(body["results"].as_array().map(Vec::len), Some(1), "{plural}");
    }
    for path in [
        "/api/v1/statuses/draft/",
        "/api/v1/currencies/EUR/",
        "/api/v1/uoms/KG/",
        "/api/v1/organization-types/Company/",
        "/api/v1/countries/FR/",
        "/api/v1/timezones/Asia%2FTokyo/",
    ] {
        get_ok(&client, path);
    }
    assert_eq!(converted(&client, "KG", "G", "1"), "1000", "conversion needs no login either");
}

#[test]
fn convert_applies_a_direct_factor() {
    let server = TestServer::start();
    let resp = convert(&server.client(), "from=KG&to=G&value=2.5");
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.json, json!({ "from": "KG", "to": "G", "value": "2.5", "factor": "1000", "result": "2500" }));
}

#[test]
fn convert_inverts_a_conversion_for_the_opposite_direction() {
    let server = TestServer::start();
    let resp = convert(&server.client(), "from=G&to=KG&value=2500");
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.json["factor"], "0.001");
    assert_eq!(resp.json["result"], "2.5");
    assert_eq!(converted(&server.client(), "ML", "L", "250"), "0.25");
    assert_eq!(converted(&server.client(), "S", "MIN", "90"), "1.5");
}

#[test]
fn convert_chains_conversions_through_intermediate_units() {
    let server = TestServer::start();
    let client = server.client();
    assert_eq!(converted(&client, "LB", "G", "1"), "453.59237", "LB -> KG -> G");
    assert_eq!(converted(&client, "FT", "CM", "1"), "30.48", "FT -> IN -> CM");
    assert_eq!(converted(&client, "OZ", "KG", "16"), "0.45359237", "OZ -> LB -> KG, inverted step first");
    assert_eq!(converted(&client, "G", "LB", "453.59237"), "1", "G -> KG -> LB, both inverted");
    assert_eq!(converted(&client, "GAL", "ML", "2"), "7570.823568", "GAL -> L -> ML");
    assert_eq!(converted(&client, "WK", "S", "1"), "604800", "four hops");
    assert_eq!(converted(&client, "HA", "CM2", "1"), "100000000", "HA -> M2 -> CM2");
}

#[test]
fn convert_to_the_same_unit_is_the_identity() {
    let server = TestServer::start();
    let resp = convert(&server.client(), "from=KG&to=KG&value=3.75");
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.json["factor"], "1");
    assert_eq!(resp.json["result"], "3.75");
}

#[test]
fn convert_refuses_bad_requests_with_400() {
    let server = TestServer::start();
    let client = server.client();
    assert_bad_conversion(&convert(&client, "from=KG&to=M&value=1"), "Cannot convert Mass (KG) to Length (M)");
    assert_bad_conversion(&convert(&client, "from=PARSEC&to=M&value=1"), "PARSEC");
    assert_bad_conversion(&convert(&client, "from=KG&to=PARSEC&value=1"), "PARSEC");
    assert_bad_conversion(&convert(&client, "to=G&value=1"), "\"from\"");
    assert_bad_conversion(&convert(&client, "from=KG&value=1"), "\"to\"");
    assert_bad_conversion(&convert(&client, "from=KG&to=G"), "\"value\"");
    assert_bad_conversion(&convert(&client, "from=KG&to=G&value="), "\"value\"");
    assert_bad_conversion(&convert(&client, "from=KG&to=G&value=heavy"), "decimal");
    assert_bad_conversion(&convert(&client, "from=EA&to=BOX&value=1"), "No conversion from EA to BOX");
}

#[test]
fn a_posted_conversion_opens_a_new_conversion_path() {
    let server = TestServer::start();
    let admin = server.admin();
    assert_bad_conversion(&convert(&admin, "from=BOX&to=EA&value=2"), "No conversion");

    let created = admin.post("/api/v1/uom-conversions/", &json!({ "from_uom": "BOX", "to_uom": "EA", "factor": "12" }));
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["factor"], "12.0000000000");
    assert_eq!(converted(&admin, "BOX", "EA", "2"), "24");
    assert_eq!(converted(&admin, "EA", "BOX", "36"), "3");

    let pallet = admin.post("/api/v1/uoms/", &json!({ "code": "PAL", "name": "Pallet", "uom_type": "Count" }));
    assert_eq!(pallet.status, 201, "{}", pallet.text);
    let linked = admin.post("/api/v1/uom-conversions/", &json!({ "from_uom": "PAL", "to_uom": "BOX", "factor": 40 }));
    assert_eq!(linked.status, 201, "{}", linked.text);
    assert_eq!(converted(&admin, "PAL", "EA", "1"), "480", "PAL -> BOX -> EA");

    let id = created.json["id"].as_str().expect("id");
    assert_eq!(admin.delete(&format!("/api/v1/uom-conversions/{id}/")).status, 204);
    assert_bad_conversion(&convert(&admin, "from=PAL&to=EA&value=1"), "No conversion");
}

#[test]
fn uom_conversion_rules_are_enforced_on_create() {
    let server = TestServer::start();
    let admin = server.admin();
    let post = |body: Value| admin.post("/api/v1/uom-conversions/", &body);

    assert_field_error(&post(json!({ "from_uom": "KG", "to_uom": "KG", "factor": "1" })), "to_uom", "itself");
    assert_field_error(&post(json!({ "from_uom": "KG", "to_uom": "OZ", "factor": "0" })), "factor", "greater than 0");
    assert_field_error(
        &post(json!({ "from_uom": "KG", "to_uom": "OZ", "factor": "-2.5" })),
        "factor",
        "greater than 0",
    );
    assert_field_error(&post(json!({ "from_uom": "KG", "to_uom": "PARSEC", "factor": "1" })), "to_uom", "PARSEC");
    assert_field_error(
        &post(json!({ "from_uom": "NOPE", "to_uom": "G", "factor": "1" })),
        "from_uom",
        "does not exist",
    );
    assert_field_error(&post(json!({ "to_uom": "G", "factor": "1" })), "from_uom", "required");

    let duplicate = post(json!({ "from_uom": "KG", "to_uom": "G", "factor": "999" }));
    assert_eq!(duplicate.status, 400, "{}", duplicate.text);
    assert_eq!(
        duplicate.json,
        json!({ "non_field_errors": ["The fields from_uom, to_uom must make a unique set."] }),
        "a duplicate pair is a DRF unique-together error"
    );

    let rows = all_rows(&admin, "/api/v1/uom-conversions/");
    assert_eq!(rows.len(), 16, "nothing was written");
    let kg_g = rows.iter().find(|r| r["from_uom"] == "KG" && r["to_uom"] == "G").expect("KG -> G");
    assert_eq!(kg_g["factor"], "1000.0000000000");
}

#[test]
fn uom_conversion_rules_are_enforced_on_update() {
    let server = TestServer::start();
    let admin = server.admin();
    let row = all_rows(&admin, "/api/v1/uom-conversions/?from_uom=KG").remove(0);
    let path = format!("/api/v1/uom-conversions/{}/", row["id"].as_str().expect("id"));

    assert_field_error(&admin.patch(&path, &json!({ "to_uom": "KG" })), "to_uom", "itself");
    assert_field_error(&admin.patch(&path, &json!({ "factor": "0" })), "factor", "greater than 0");
    assert_field_error(&admin.patch(&path, &json!({ "to_uom": "ZZ" })), "to_uom", "does not exist");
    let clash = admin.patch(&path, &json!({ "from_uom": "LB", "to_uom": "OZ" }));
    assert_eq!(clash.status, 400, "{}", clash.text);
    assert!(clash.json["non_field_errors"].is_array(), "{}", clash.text);
    assert_eq!(get_ok(&admin, &path), row, "failed updates change nothing");

    let changed = admin.patch(&path, &json!({ "factor": "1000.5" }));
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.json["factor"], "1000.5000000000");
    assert_eq!(converted(&admin, "KG", "G", "2"), "2001");
}

#[test]
fn custom_fields_round_trip_on_statuses_currencies_and_units() {
    let server = TestServer::start();
    let admin = server.admin();
    let data = json!({ "erp_code": "X-1", "weight": 2.5 });
    for model in ["status", "currency", "uom"] {
        crate::common::define_custom_field(&admin, model, "erp_code", "text", json!({}));
        crate::common::define_custom_field(&admin, model, "weight", "number", json!({}));
    }
    for path in ["/api/v1/statuses/draft/", "/api/v1/currencies/EUR/", "/api/v1/uoms/KG/"] {
        let patched = admin.patch(path, &json!({ "custom_fields": data }));
        assert_eq!(patched.status, 200, "{path}: {}", patched.text);
        assert_eq!(patched.json["custom_fields"], data, "{path}");
        assert_eq!(get_ok(&server.client(), path)["custom_fields"], data, "{path}");

        assert_field_error(&admin.patch(path, &json!({ "custom_fields": ["a"] })), "custom_fields", "dictionary");
        assert_field_error(&admin.patch(path, &json!({ "custom_fields": "a" })), "custom_fields", "dictionary");
        assert_field_error(&admin.patch(path, &json!({ "custom_fields": null })), "custom_fields", "null");
        assert_eq!(get_ok(&server.client(), path)["custom_fields"], data, "{path}: refused values change nothing");
    }
    let created = admin.post(
        "/api/v1/uoms/",
        &json!({ "code": "CRT", "name": "Crate", "uom_type": "Count", "custom_fields": { "erp_code": "L" } }),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["custom_fields"], json!({ "erp_code": "L" }));
}

#[test]
fn currency_codes_are_validated() {
    let server = TestServer::start();
    let admin = server.admin();
    let post = |body: Value| admin.post("/api/v1/currencies/", &body);
    assert_field_error(&post(json!({ "code": "usd", "name": "Lower" })), "code", "three upper-case letters");
    assert_field_error(&post(json!({ "code": "US1", "name": "Digit" })), "code", "three upper-case letters");
    assert_field_error(&post(json!({ "code": "USDX", "name": "Long" })), "code", "no more than 3 characters");
    assert_field_error(
        &post(json!({ "code": "QQQ", "name": "Q", "numeric_code": "12a" })),
        "numeric_code",
        "three digits",
    );
    assert_field_error(
        &post(json!({ "code": "QQQ", "name": "Q", "numeric_code": "840" })),
        "numeric_code",
        "already exists",
    );
    assert_field_error(&post(json!({ "code": "QQQ", "name": "Euro" })), "name", "already exists");
    assert_field_error(&post(json!({ "code": "EUR", "name": "Second Euro" })), "code", "already exists");
    assert_field_error(
        &admin.patch("/api/v1/currencies/EUR/", &json!({ "numeric_code": "97" })),
        "numeric_code",
        "three digits",
    );

    // Two currencies without a numeric code do not collide.
    for code in ["QQA", "QQB"] {
        let resp = post(json!({ "code": code, "name": format!("Test {code}"), "numeric_code": null }));
        assert_eq!(resp.status, 201, "{}", resp.text);
    }
}

#[test]
fn status_slug_and_color_are_validated() {
    let server = TestServer::start();
    let admin = server.admin();
    let post = |body: Value| admin.post("/api/v1/statuses/", &body);
    assert_field_error(&post(json!({ "slug": "on hold", "name": "On Hold" })), "slug", "slug");
    assert_field_error(&post(json!({ "slug": "x".repeat(51), "name": "Long" })), "slug", "no more than 50");
    assert_field_error(&post(json!({ "slug": "red", "name": "Red", "color": "red" })), "color", "#RRGGBB");
    assert_field_error(&post(json!({ "slug": "red", "name": "Red", "color": "#12345" })), "color", "#RRGGBB");
    let ok = post(json!({ "slug": "on-hold_2", "name": "On Hold", "color": "#00ff7f", "category": "Process" }));
    assert_eq!(ok.status, 201, "{}", ok.text);
    assert!(ok.json["color"].as_str().is_some_and(|c| c.eq_ignore_ascii_case("#00FF7F")), "{}", ok.text);
    assert_eq!(count(&admin, "/api/v1/statuses/"), 11);
}

#[test]
fn organization_type_names_with_a_slash_are_addressable() {
    let server = TestServer::start();
    let admin = server.admin();
    let created = admin.post("/api/v1/organization-types/", &json!({ "name": "Region/Area", "description": "Sales" }));
    assert_eq!(created.status, 201, "{}", created.text);
    let patched = admin.patch("/api/v1/organization-types/Region%2FArea/", &json!({ "description": "Sales region" }));
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(get_ok(&server.client(), "/api/v1/organization-types/Region%2FArea/")["description"], "Sales region");
    assert_eq!(admin.delete("/api/v1/organization-types/Region%2FArea/").status, 204);
    assert_not_found(&server.client().get("/api/v1/organization-types/Region%2FArea/"));
    assert_field_error(
        &admin.post("/api/v1/organization-types/", &json!({ "name": "Company" })),
        "name",
        "already exists",
    );
}

#[test]
fn a_unit_in_use_by_a_conversion_cannot_be_deleted() {
    let server = TestServer::start();
    let admin = server.admin();
    let resp = admin.delete("/api/v1/uoms/LB/");
    assert_eq!(resp.status, 409, "{}", resp.text);
    assert_eq!(resp.json["code"], "protected");
    assert!(resp.json["detail"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(get_ok(&admin, "/api/v1/uoms/LB/")["name"], "Pound");
    assert_eq!(converted(&admin, "LB", "OZ", "1"), "16");
    assert_eq!(admin.delete("/api/v1/uoms/BOX/").status, 204, "a unit nothing refers to can go");
}
