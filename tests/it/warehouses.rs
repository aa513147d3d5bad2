//! Warehouses and stock locations over HTTP (spec: Warehouse, StockLocation; issue 10): the
//! spec's tests — fields and defaults, the code unique per organization, the protected
//! address shown whole, tags and custom fields, filters, search and orderings, the location
//! tree inside one warehouse, barcodes, cascading deletes — and the walls between
//! organizations around them.

use serde_json::{Value, json};

use crate::common::{
    Client, TestServer, add_member, assert_detail, assert_field_error, assert_not_found, define_custom_field, get_ok,
    organization, user,
};

/// An organization with an Admin member: (organization id, the member's client).
fn tenant(server: &TestServer, admin: &Client, name: &str) -> (String, Client) {
    let org = organization(admin, name, None)["id"].as_str().expect("id").to_string();
    let (member, client) = user(server, &format!("{}-admin", name.to_lowercase()));
    add_member(admin, &member, &org, "Admin");
    (org, client)
}

fn created(client: &Client, plural: &str, body: Value) -> Value {
    let resp = client.post(&format!("/api/v1/{plural}/"), &body);
    assert_eq!(resp.status, 201, "{plural} {body}: {}", resp.text);
    resp.json
}

fn id(object: &Value) -> String {
    object["id"].as_str().expect("id").to_string()
}

fn address(client: &Client, org: Option<&str>, city: &str, country: &str) -> String {
    id(&created(client, "addresses", json!({ "city": city, "country": country, "organization": org })))
}

fn warehouse(client: &Client, org: &str, code: &str, extra: Value) -> Value {
    let mut body = json!({ "name": format!("{code} warehouse"), "code": code, "organization": org,
                           "warehouse_type": "DISTRIBUTION_CENTER" });
    body.as_object_mut().expect("object").extend(extra.as_object().cloned().unwrap_or_default());
    created(client, "warehouses", body)
}

fn location(client: &Client, warehouse: &str, name: &str, parent: Option<&str>, barcode: &str) -> String {
    let body = json!({ "name": name, "warehouse": warehouse, "parent": parent, "barcode": barcode });
    id(&created(client, "stock-locations", body))
}

/// The values of `field` in a list, in order.
fn column(page: &Value, field: &str) -> Vec<String> {
    let items = page["results"].as_array().expect("results");
    items.iter().map(|item| item[field].as_str().unwrap_or_default().to_string()).collect()
}

#[test]
fn a_warehouse_has_the_spec_fields_and_defaults_and_shows_its_address_whole() {
    let server = TestServer::start();
    let admin = server.admin();
    let (org, alice) = tenant(&server, &admin, "Acme");
    let home = address(&alice, Some(&org), "Hamburg", "DE");
    let made = warehouse(&alice, &org, "WH1", json!({ "address": home }));
    for (field, expected) in [
        ("code", json!("WH1")),
        ("warehouse_type", json!("DISTRIBUTION_CENTER")),
        ("is_active", json!(true)),
        ("tags", json!([])),
        ("custom_fields", json!({})),
        ("organization", json!(org)),
        ("organization_name", json!("Acme")),
        ("address", json!(home)),
    ] {
        assert_eq!(made[field], expected, "{field}: {made}");
    }
    assert_eq!((&made["address_details"]["id"], &made["address_details"]["city"]), (&json!(home), &json!("Hamburg")));
    assert!(made["created_at"].is_string() && made["updated_by"].is_string(), "{made}");
    let path = format!("/api/v1/warehouses/{}/", id(&made));
    let ignored = alice.patch(&path, &json!({ "address_details": { "city": "Kiel" }, "name": "Main" }));
    assert_eq!((ignored.status, &ignored.json["address_details"]["city"]), (200, &json!("Hamburg")), "read-only");
    let virtual_one = warehouse(&alice, &org, "VIRT", json!({ "warehouse_type": "VIRTUAL_DROPSHIP" }));
    assert_eq!((&virtual_one["address"], &virtual_one["address_details"]), (&Value::Null, &Value::Null));

    let missing = alice.post("/api/v1/warehouses/", &json!({ "organization": org }));
    for field in ["name", "code", "warehouse_type"] {
        assert_field_error(&missing, field, "required");
    }
    let wrong_type = json!({ "name": "X", "code": "X", "organization": org, "warehouse_type": "CASTLE" });
    assert_field_error(&alice.post("/api/v1/warehouses/", &wrong_type), "warehouse_type", "not a valid choice");

    define_custom_field(&admin, "warehouse", "dock_doors", "number", json!({}));
    let bad = alice.patch(&path, &json!({ "custom_fields": { "dock_doors": "many" } }));
    assert_eq!(bad.status, 400, "{}", bad.text);
    let tagged = alice.patch(&path, &json!({ "custom_fields": { "dock_doors": 4 }, "tags": ["Cold", "bulk"] }));
    assert_eq!((tagged.status, &tagged.json["custom_fields"]["dock_doors"]), (200, &json!(4)), "{}", tagged.text);
    let cold = get_ok(&alice, "/api/v1/warehouses/?tags=cold");
    assert_eq!(column(&cold, "code"), ["WH1"]);
    let trail = get_ok(&alice, &format!("/api/v1/audit-logs/?model=warehouse&object_id={}", id(&made)));
    assert_eq!(trail["results"][0]["object_repr"], "Main (WH1)", "{trail}");
}

#[test]
fn codes_are_unique_per_organization() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, alice) = tenant(&server, &admin, "Acme");
    let (globex, bob) = tenant(&server, &admin, "Globex");
    warehouse(&alice, &acme, "MAIN", json!({}));
    let again = json!({ "name": "Other", "code": "MAIN", "organization": acme, "warehouse_type": "OTHER" });
    assert_field_error(&alice.post("/api/v1/warehouses/", &again), "non_field_errors", "unique");
    warehouse(&bob, &globex, "MAIN", json!({}));
    let lower = warehouse(&alice, &acme, "main", json!({}));
    assert_eq!(lower["code"], "main", "codes compare exactly, as the spec's unique_together does");
}

#[test]
fn the_address_is_protected_and_must_be_the_warehouses_organizations() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, alice) = tenant(&server, &admin, "Acme");
    let (globex, _) = tenant(&server, &admin, "Globex");
    let home = address(&alice, Some(&acme), "Berlin", "DE");
    let made = warehouse(&alice, &acme, "WH1", json!({ "address": home }));
    assert_detail(&alice.delete(&format!("/api/v1/addresses/{home}/")), 409, "protected");
    let foreign = address(&admin, Some(&globex), "Paris", "FR");
    let shared = address(&admin, None, "Rome", "IT");
    let path = format!("/api/v1/warehouses/{}/", id(&made));
    for other in [&foreign, &shared] {
        // The superuser sees every address: the rule, not the wall, refuses these.
        assert_field_error(&admin.patch(&path, &json!({ "address": other })), "address", "warehouse's organization");
    }
    assert_field_error(&alice.patch(&path, &json!({ "address": foreign })), "address", "does not exist");
    // Nor can the address leave the warehouse's wall while the warehouse uses it.
    let address_path = format!("/api/v1/addresses/{home}/");
    for elsewhere in [json!(globex), json!(null)] {
        let moved = admin.patch(&address_path, &json!({ "organization": elsewhere }));
        assert_field_error(&moved, "organization", "warehouses that use it");
    }
    assert_eq!(get_ok(&admin, &address_path)["organization"], json!(acme));
    assert_eq!(alice.patch(&path, &json!({ "address": null })).status, 200);
    assert_eq!(admin.patch(&address_path, &json!({ "organization": globex })).status, 200, "no longer used");
    assert_eq!(admin.patch(&address_path, &json!({ "organization": acme })).status, 200);
    assert_eq!(alice.delete(&format!("/api/v1/addresses/{home}/")).status, 204, "no longer used");
}

#[test]
fn warehouses_filter_search_and_order_as_the_spec_lists() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, alice) = tenant(&server, &admin, "Acme");
    let hamburg = address(&alice, Some(&acme), "Hamburg", "DE");
    let lyon = address(&alice, Some(&acme), "Lyon", "FR");
    warehouse(&alice, &acme, "B-NORTH", json!({ "name": "North", "address": hamburg }));
    warehouse(&alice, &acme, "A-SOUTH", json!({ "name": "South", "address": lyon, "warehouse_type": "RETAIL_STORE" }));
    warehouse(&alice, &acme, "C-TRANSIT", json!({ "name": "Lorry", "warehouse_type": "TRANSIT", "is_active": false }));
    let codes = |query: &str| column(&get_ok(&alice, &format!("/api/v1/warehouses/?{query}")), "code");
    assert_eq!(codes(""), ["C-TRANSIT", "B-NORTH", "A-SOUTH"], "by name");
    assert_eq!(codes("ordering=code"), ["A-SOUTH", "B-NORTH", "C-TRANSIT"]);
    assert_eq!(codes("ordering=-created_at"), ["C-TRANSIT", "A-SOUTH", "B-NORTH"]);
    assert_eq!(codes("warehouse_type=RETAIL_STORE"), ["A-SOUTH"]);
    assert_eq!(codes("is_active=false"), ["C-TRANSIT"]);
    assert_eq!(codes("address__country=FR"), ["A-SOUTH"]);
    assert_eq!(codes(&format!("organization={acme}&address={hamburg}")), ["B-NORTH"]);
    assert_eq!(codes("search=hamb"), ["B-NORTH"], "through the address's city");
    assert_eq!(codes("search=south"), ["A-SOUTH"]);
    assert_eq!(codes("search=c-tr"), ["C-TRANSIT"]);
    assert_eq!(alice.get("/api/v1/warehouses/?ordering=address").status, 400);
}

#[test]
fn members_see_and_use_only_their_organizations_warehouses_and_locations() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, alice) = tenant(&server, &admin, "Acme");
    let (globex, bob) = tenant(&server, &admin, "Globex");
    let ours = id(&warehouse(&alice, &acme, "A1", json!({})));
    let theirs = id(&warehouse(&bob, &globex, "G1", json!({})));
    let their_bin = location(&bob, &theirs, "Bin", None, "G-0001");
    let their_address = address(&bob, Some(&globex), "Paris", "FR");
    assert_eq!(column(&get_ok(&alice, "/api/v1/warehouses/"), "code"), ["A1"]);
    assert_eq!(get_ok(&alice, "/api/v1/stock-locations/?barcode=G-0001")["count"], 0);
    assert_not_found(&alice.get(&format!("/api/v1/warehouses/{theirs}/")));
    assert_not_found(&alice.get(&format!("/api/v1/stock-locations/{their_bin}/")));
    assert_not_found(&alice.get(&format!("/api/v1/stock-locations/{their_bin}/descendants/")));
    assert_not_found(&alice.delete(&format!("/api/v1/stock-locations/{their_bin}/")));
    let into_theirs = json!({ "name": "Sneaky", "warehouse": theirs });
    assert_field_error(&alice.post("/api/v1/stock-locations/", &into_theirs), "warehouse", "does not exist");
    let under_theirs = json!({ "name": "Sneaky", "warehouse": ours, "parent": their_bin });
    assert_field_error(&alice.post("/api/v1/stock-locations/", &under_theirs), "parent", "does not exist");
    let with_theirs = json!({ "name": "X", "code": "X", "organization": acme, "warehouse_type": "OTHER",
                              "address": their_address });
    assert_field_error(&alice.post("/api/v1/warehouses/", &with_theirs), "address", "does not exist");
    let (viewer, viewer_client) = user(&server, "victor");
    add_member(&admin, &viewer, &acme, "Viewer");
    assert_eq!(get_ok(&viewer_client, "/api/v1/warehouses/")["count"], 1);
    let attempt = viewer_client.post("/api/v1/stock-locations/", &json!({ "name": "Mine", "warehouse": ours }));
    assert_detail(&attempt, 403, "permission_denied");
    assert_eq!(get_ok(&admin, &format!("/api/v1/stock-locations/{their_bin}/"))["name"], "Bin", "untouched");
}

#[test]
fn a_location_is_in_its_warehouses_organization() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, alice) = tenant(&server, &admin, "Acme");
    let (globex, _) = tenant(&server, &admin, "Globex");
    let (rita, rita_client) = user(&server, "rita");
    add_member(&admin, &rita, &acme, "Admin");
    add_member(&admin, &rita, &globex, "Viewer");
    let ours = id(&warehouse(&alice, &acme, "A1", json!({})));
    let theirs = id(&warehouse(&admin, &globex, "G1", json!({})));
    // Rita belongs to two organizations, and names neither: the warehouse decides; an
    // organization sent along is ignored like every read-only field.
    let body = json!({ "name": "Dock", "warehouse": ours, "organization": globex, "location_type": "DOCK" });
    let dock = created(&rita_client, "stock-locations", body);
    assert_eq!((&dock["organization"], &dock["organization_name"]), (&json!(acme), &json!("Acme")), "{dock}");
    let in_globex = rita_client.post("/api/v1/stock-locations/", &json!({ "name": "Dock", "warehouse": theirs }));
    assert_detail(&in_globex, 403, "permission_denied");
    let dock_path = format!("/api/v1/stock-locations/{}/", id(&dock));
    assert_detail(&rita_client.patch(&dock_path, &json!({ "warehouse": theirs })), 403, "permission_denied");
    let moved = admin.patch(&dock_path, &json!({ "warehouse": theirs }));
    assert_eq!((moved.status, &moved.json["organization"]), (200, &json!(globex)), "it follows: {}", moved.text);
    // A warehouse whose locations take its organization stays in it; an empty one may move.
    let move_to = |warehouse: &str, org: &str| {
        admin.patch(&format!("/api/v1/warehouses/{warehouse}/"), &json!({ "organization": org }))
    };
    assert_field_error(&move_to(&theirs, &acme), "organization", "stock locations take their organization");
    assert_eq!(move_to(&ours, &globex).status, 200);
}

#[test]
fn locations_form_a_tree_inside_one_warehouse() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, alice) = tenant(&server, &admin, "Acme");
    let main = id(&warehouse(&alice, &acme, "MAIN", json!({})));
    let annex = id(&warehouse(&alice, &acme, "ANNEX", json!({})));
    let zone = location(&alice, &main, "Zone A", None, "");
    let aisle = location(&alice, &main, "Aisle 1", Some(&zone), "");
    let bin = location(&alice, &main, "Bin 1-1", Some(&aisle), "B-11");
    let other = location(&alice, &annex, "Zone X", None, "");
    let shown = get_ok(&alice, &format!("/api/v1/stock-locations/{bin}/"));
    assert_eq!(
        (&shown["warehouse_code"], &shown["parent_name"], &shown["level"]),
        (&json!("MAIN"), &json!("Aisle 1"), &json!(2))
    );
    assert_eq!(shown["tree_path"], format!("/{zone}/{aisle}/{bin}/"));
    let elsewhere = json!({ "name": "Shelf", "warehouse": annex, "parent": aisle });
    assert_field_error(&alice.post("/api/v1/stock-locations/", &elsewhere), "parent", "same warehouse");
    let path = |key: &str| format!("/api/v1/stock-locations/{key}/");
    assert_field_error(&alice.patch(&path(&other), &json!({ "parent": zone })), "parent", "same warehouse");
    assert_field_error(
        &alice.patch(&path(&zone), &json!({ "parent": bin })),
        "parent",
        "itself or one of its descendants",
    );
    assert_field_error(&alice.patch(&path(&zone), &json!({ "warehouse": annex })), "warehouse", "children");
    let names = |action: &str, key: &str| column(&get_ok(&alice, &format!("{}{action}/", path(key))), "name");
    assert_eq!(names("children", &zone), ["Aisle 1"]);
    assert_eq!(names("descendants", &zone), ["Aisle 1", "Bin 1-1"]);
    assert_eq!(names("ancestors", &bin), ["Zone A", "Aisle 1"]);
    // A move (PUT, as the spec's update) carries the subtree; a leaf may change warehouse.
    let put = json!({ "name": "Aisle 1", "warehouse": main, "parent": null, "location_type": "AISLE" });
    let moved = alice.put(&path(&aisle), &put);
    assert_eq!((moved.status, &moved.json["level"]), (200, &json!(0)), "{}", moved.text);
    assert_eq!(get_ok(&alice, &path(&bin))["tree_path"], format!("/{aisle}/{bin}/"));
    let leaf = alice.patch(&path(&bin), &json!({ "warehouse": annex, "parent": other }));
    assert_eq!((leaf.status, &leaf.json["warehouse_code"]), (200, &json!("ANNEX")), "{}", leaf.text);
}

#[test]
fn names_are_unique_under_one_parent() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, alice) = tenant(&server, &admin, "Acme");
    let main = id(&warehouse(&alice, &acme, "MAIN", json!({})));
    let annex = id(&warehouse(&alice, &acme, "ANNEX", json!({})));
    let zone_a = location(&alice, &main, "Zone A", None, "");
    let zone_b = location(&alice, &main, "Zone B", None, "");
    location(&alice, &main, "Shelf", Some(&zone_a), "");
    let twin = json!({ "name": "Shelf", "warehouse": main, "parent": zone_a });
    assert_field_error(&alice.post("/api/v1/stock-locations/", &twin), "non_field_errors", "unique");
    location(&alice, &main, "Shelf", Some(&zone_b), "");
    let top_twin = json!({ "name": "Zone A", "warehouse": main });
    assert_field_error(&alice.post("/api/v1/stock-locations/", &top_twin), "non_field_errors", "unique");
    location(&alice, &annex, "Zone A", None, "");
}

#[test]
fn barcodes_are_unique_per_warehouse_when_given_and_find_their_location() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, alice) = tenant(&server, &admin, "Acme");
    let main = id(&warehouse(&alice, &acme, "MAIN", json!({})));
    let annex = id(&warehouse(&alice, &acme, "ANNEX", json!({})));
    location(&alice, &main, "Unlabelled 1", None, "");
    let second = location(&alice, &main, "Unlabelled 2", None, "");
    let bin = location(&alice, &main, "Bin 1", None, "4006381333931");
    let twin = json!({ "name": "Bin 2", "warehouse": main, "barcode": "4006381333931" });
    assert_field_error(&alice.post("/api/v1/stock-locations/", &twin), "non_field_errors", "unique");
    let retagged = alice.patch(&format!("/api/v1/stock-locations/{second}/"), &json!({ "barcode": "4006381333931" }));
    assert_field_error(&retagged, "non_field_errors", "unique");
    let annex_bin = location(&alice, &annex, "Bin 1", None, "4006381333931");
    let found = get_ok(&alice, "/api/v1/stock-locations/?barcode=4006381333931&ordering=name");
    assert_eq!(found["count"], 2, "one per warehouse");
    let scanned = get_ok(&alice, &format!("/api/v1/stock-locations/?barcode=4006381333931&warehouse={annex}"));
    assert_eq!(column(&scanned, "id"), [annex_bin]);
    assert_eq!(column(&get_ok(&alice, "/api/v1/stock-locations/?search=333931"), "id").len(), 2);
    assert_eq!(get_ok(&alice, &format!("/api/v1/stock-locations/{bin}/"))["barcode"], "4006381333931");
}

#[test]
fn deleting_a_location_removes_its_descendants_each_in_the_trail() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, alice) = tenant(&server, &admin, "Acme");
    let main = id(&warehouse(&alice, &acme, "MAIN", json!({})));
    let zone = location(&alice, &main, "Zone A", None, "");
    let aisle = location(&alice, &main, "Aisle 1", Some(&zone), "");
    location(&alice, &main, "Bin 1", Some(&aisle), "");
    location(&alice, &main, "Bin 2", Some(&aisle), "");
    let kept = location(&alice, &main, "Zone B", None, "");
    assert_eq!(alice.delete(&format!("/api/v1/stock-locations/{zone}/")).status, 204);
    assert_eq!(column(&get_ok(&alice, "/api/v1/stock-locations/"), "id"), [kept]);
    let trail = get_ok(&alice, "/api/v1/audit-logs/?model=stocklocation&action=DELETE&page_size=100");
    let mut removed = column(&trail, "object_repr");
    removed.sort();
    assert_eq!(removed, ["MAIN / Aisle 1", "MAIN / Bin 1", "MAIN / Bin 2", "MAIN / Zone A"]);
    assert!(column(&trail, "organization").iter().all(|org| *org == acme), "{trail}");
}

#[test]
fn a_warehouse_with_locations_cannot_be_deleted() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, alice) = tenant(&server, &admin, "Acme");
    let main = id(&warehouse(&alice, &acme, "MAIN", json!({})));
    let zone = location(&alice, &main, "Zone A", None, "");
    location(&alice, &main, "Bin", Some(&zone), "");
    assert_detail(&alice.delete(&format!("/api/v1/warehouses/{main}/")), 409, "protected");
    assert_eq!(get_ok(&alice, "/api/v1/stock-locations/")["count"], 2, "nothing went");
    assert_eq!(alice.delete(&format!("/api/v1/stock-locations/{zone}/")).status, 204);
    assert_eq!(alice.delete(&format!("/api/v1/warehouses/{main}/")).status, 204);
}

#[test]
fn locations_filter_search_and_order_as_the_spec_lists() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, alice) = tenant(&server, &admin, "Acme");
    let main = id(&warehouse(&alice, &acme, "MAIN", json!({ "name": "Central" })));
    let annex = id(&warehouse(&alice, &acme, "ANNEX", json!({ "name": "Overflow" })));
    let zone = location(&alice, &main, "Zone", None, "Z-1");
    let body =
        json!({ "name": "Cold bin", "warehouse": main, "parent": zone, "location_type": "BIN", "is_active": false });
    created(&alice, "stock-locations", body);
    location(&alice, &annex, "Annex bin", None, "A-9");
    let bad_type = json!({ "name": "X", "warehouse": main, "location_type": "CELLAR" });
    assert_field_error(&alice.post("/api/v1/stock-locations/", &bad_type), "location_type", "not a valid choice");
    let names = |query: &str| column(&get_ok(&alice, &format!("/api/v1/stock-locations/?{query}")), "name");
    assert_eq!(names(&format!("warehouse={main}")), ["Zone", "Cold bin"], "tree order within the warehouse");
    assert_eq!(names("ordering=name"), ["Annex bin", "Cold bin", "Zone"]);
    assert_eq!(names("ordering=-barcode,name"), ["Zone", "Annex bin", "Cold bin"]);
    assert_eq!(names("location_type=BIN"), ["Cold bin"]);
    assert_eq!(names("is_active=false"), ["Cold bin"]);
    assert_eq!(names(&format!("parent={zone}")), ["Cold bin"]);
    assert_eq!(names("level=0&ordering=name"), ["Annex bin", "Zone"]);
    assert_eq!(names("search=overflow"), ["Annex bin"], "through the warehouse's name");
    assert_eq!(names("search=annex&ordering=name"), ["Annex bin"], "and its code");
    assert_eq!(names("search=z-1"), ["Zone"]);
    assert_eq!(alice.get("/api/v1/stock-locations/?ordering=warehouse_code").status, 400);
}
