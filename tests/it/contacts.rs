//! Contacts and addresses over HTTP (spec: Contact, Address; API.md § Master data): nested
//! child lists with replace semantics, single primary, inline addresses, errors per item,
//! the optional organization, and organizations' primary contact and address.

use serde_json::{Value, json};

use crate::common::{
    Client, TestServer, add_member, assert_detail, assert_field_error, assert_not_found, get_ok, organization,
    organization_with_member, user,
};

fn ada() -> Value {
    json!({
        "first_name": "Ada",
        "last_name": "Lovelace",
        "title": "Countess",
        "organization_name": "Analytical Engines Ltd",
        "tags": ["VIP"],
        "email_addresses": [
            { "email": "ada@work.example", "email_type": "work", "is_primary": true },
            { "email": "ada@home.example", "email_type": "personal", "is_primary": true },
        ],
        "phone_numbers": [{ "phone_number": "+44 20 7183 8750", "phone_type": "work" }],
        "addresses": [{
            "address": { "street_address_1": "12 St James's Square", "city": "London", "postal_code": "SW1Y 4JH",
                         "country": "gb", "latitude": "51.5072178", "longitude": "-0.1275862" },
            "address_type": "home",
            "is_primary": true,
        }],
    })
}

fn create(client: &Client, body: &Value) -> Value {
    let resp = client.post("/api/v1/contacts/", body);
    assert_eq!(resp.status, 201, "{}", resp.text);
    resp.json
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().expect("list").iter().map(|i| i["id"].as_str().expect("item id").to_string()).collect()
}

fn emails(contact: &Value) -> Vec<(String, bool)> {
    contact["email_addresses"]
        .as_array()
        .expect("emails")
        .iter()
        .map(|e| (e["email"].as_str().expect("email").to_string(), e["is_primary"] == true))
        .collect()
}

fn count(client: &Client, path: &str) -> u64 {
    get_ok(client, path)["count"].as_u64().expect("count")
}

#[test]
fn a_contact_is_created_with_its_lists_in_one_request() {
    let server = TestServer::start();
    let admin = server.admin();
    let contact = create(&admin, &ada());
    assert_eq!(contact["status"], "active", "status defaults to active");
    assert_eq!(contact["contact_type"], "other");
    assert_eq!(contact["organization"], Value::Null, "no organization: shared");
    assert_eq!(contact["tags"], json!(["VIP"]));
    // The last item flagged primary wins; the others are stored without the flag.
    assert_eq!(emails(&contact), [("ada@work.example".into(), false), ("ada@home.example".into(), true)]);
    let phone = &contact["phone_numbers"][0];
    assert_eq!(phone["phone_number"], "+442071838750", "stored in E.164");
    assert_eq!(phone["is_primary"], false, "is_primary defaults to false");
    assert_eq!(
        phone.as_object().expect("item").keys().collect::<Vec<_>>(),
        ["id", "phone_number", "phone_type", "is_primary"],
        "items show {{id, fields}} only"
    );
    let address = &contact["addresses"][0]["address"];
    assert_eq!(address["country"], "GB");
    assert_eq!(address["latitude"], "51.5072178");
    assert_eq!(address["longitude"], "-0.1275862");
    // The inline address is an address of its own.
    let id = address["id"].as_str().expect("address id");
    assert_eq!(get_ok(&admin, &format!("/api/v1/addresses/{id}/"))["city"], "London");
    // Reading answers what the create answered.
    let key = contact["id"].as_str().expect("id");
    assert_eq!(get_ok(&admin, &format!("/api/v1/contacts/{key}/")), contact);
    assert_eq!(get_ok(&admin, "/api/v1/contacts/")["results"][0], contact);
}

#[test]
fn putting_back_what_was_read_changes_nothing() {
    let server = TestServer::start();
    let admin = server.admin();
    let contact = create(&admin, &ada());
    let key = contact["id"].as_str().expect("id");
    let trail = count(&admin, "/api/v1/audit-logs/");
    let resp = admin.put(&format!("/api/v1/contacts/{key}/"), &contact);
    assert_eq!(resp.status, 200, "{}", resp.text);
    for list in ["email_addresses", "phone_numbers", "addresses"] {
        assert_eq!(resp.json[list], contact[list], "{list} kept with its ids");
    }
    assert_eq!(count(&admin, "/api/v1/addresses/"), 1, "the inline address is not made again");
    let changes: Vec<Value> = get_ok(&admin, "/api/v1/audit-logs/")["results"]
        .as_array()
        .expect("entries")
        .iter()
        .take((count(&admin, "/api/v1/audit-logs/") - trail) as usize)
        .cloned()
        .collect();
    assert!(changes.iter().all(|e| e["model"] != "address"), "an unchanged inline address is not written: {changes:?}");
}

#[test]
fn patch_replaces_a_sent_list_keeping_ids_and_leaves_others_alone() {
    let server = TestServer::start();
    let admin = server.admin();
    let contact = create(&admin, &ada());
    let key = contact["id"].as_str().expect("id");
    let [work, home] = [0, 1].map(|i| contact["email_addresses"][i]["id"].as_str().expect("id").to_string());
    let body = json!({ "email_addresses": [
        { "id": home, "email": "ada@lovelace.example" },
        { "email": "countess@work.example", "is_primary": true },
    ] });
    let resp = admin.patch(&format!("/api/v1/contacts/{key}/"), &body);
    assert_eq!(resp.status, 200, "{}", resp.text);
    let stored = &resp.json["email_addresses"];
    assert_eq!(ids(stored)[0], home, "an item with an id keeps it");
    assert!(!ids(stored).contains(&work), "an item left out is deleted");
    assert_eq!(stored[0]["email_type"], "personal", "fields the item does not send are kept");
    assert_eq!(
        emails(&resp.json),
        [("ada@lovelace.example".into(), false), ("countess@work.example".into(), true)],
        "the newly flagged item wins over the stored primary"
    );
    assert_eq!(resp.json["phone_numbers"], contact["phone_numbers"], "a list not sent is unchanged");
    assert_eq!(resp.json["addresses"], contact["addresses"]);
    // PUT replaces everything: lists left out become empty.
    let mut put = ada();
    for list in ["email_addresses", "phone_numbers", "addresses"] {
        put.as_object_mut().expect("object").remove(list);
    }
    let resp = admin.put(&format!("/api/v1/contacts/{key}/"), &put);
    assert_eq!(resp.status, 200, "{}", resp.text);
    for list in ["email_addresses", "phone_numbers", "addresses"] {
        assert_eq!(resp.json[list], json!([]), "PUT without {list} empties it");
    }
    assert_eq!(count(&admin, "/api/v1/addresses/"), 1, "addresses outlive the contact's list");
}

#[test]
fn swapping_values_between_items_is_not_a_duplicate() {
    let server = TestServer::start();
    let admin = server.admin();
    let contact = create(&admin, &ada());
    let key = contact["id"].as_str().expect("id");
    let [a, b] = [0, 1].map(|i| contact["email_addresses"][i]["id"].as_str().expect("id").to_string());
    let body = json!({ "email_addresses": [
        { "id": a, "email": "ada@home.example" },
        { "id": b, "email": "ada@work.example" },
    ] });
    let resp = admin.patch(&format!("/api/v1/contacts/{key}/"), &body);
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(ids(&resp.json["email_addresses"]), [a, b]);
    assert_eq!(resp.json["email_addresses"][0]["email"], "ada@home.example");
}

#[test]
fn an_invalid_item_is_reported_at_its_position_and_nothing_is_written() {
    let server = TestServer::start();
    let admin = server.admin();
    let contact = create(&admin, &ada());
    let key = contact["id"].as_str().expect("id");
    let path = format!("/api/v1/contacts/{key}/");
    let cases = [
        (
            json!({ "email_addresses": [{ "email": "ok@example.com" }, { "email": "not an address" }] }),
            json!({ "email_addresses": [{}, { "email": ["Enter a valid email address."] }] }),
        ),
        (
            json!({ "email_addresses": [{ "email": "Same@Example.com" }, { "email": "same@example.com" }] }),
            json!({ "email_addresses": [{}, { "email": ["This email is already in the list."] }] }),
        ),
        (
            json!({ "phone_numbers": [{ "phone_number": "12345" }] }),
            json!({ "phone_numbers": [{ "phone_number": ["Enter a valid phone number in international format, e.g. +4930123456."] }] }),
        ),
        (
            json!({ "phone_numbers": [{ "phone_number": "+4930123456", "phone_type": "pager" }] }),
            json!({ "phone_numbers": [{ "phone_type": ["\"pager\" is not a valid choice."] }] }),
        ),
        (
            json!({ "email_addresses": [{ "email_type": "work" }] }),
            json!({ "email_addresses": [{ "email": ["This field is required."] }] }),
        ),
        (
            json!({ "email_addresses": [{ "email": "x@example.com", "colour": "red" }] }),
            json!({ "email_addresses": [{ "colour": ["Unknown field."] }] }),
        ),
        (
            json!({ "addresses": [{ "address": { "city": "Nowhere" } }] }),
            json!({ "addresses": [{ "address": { "country": ["This field is required."] } }] }),
        ),
        (
            json!({ "addresses": [{ "address": "01234567-0000-7000-8000-000000000000" }] }),
            json!({ "addresses": [{ "address": ["Invalid pk \"01234567-0000-7000-8000-000000000000\" - object does not exist."] }] }),
        ),
        (
            json!({ "email_addresses": [{ "id": "01234567-0000-7000-8000-000000000000", "email": "x@example.com" }] }),
            json!({ "email_addresses": [{ "id": ["No item with this id in this list."] }] }),
        ),
    ];
    for (body, errors) in cases {
        let resp = admin.patch(&path, &body);
        assert_eq!(resp.status, 400, "{body}: {}", resp.text);
        assert_eq!(resp.json, errors, "{body}");
    }
    let shapes = [
        (json!({ "email_addresses": "ada@example.com" }), "Expected a list of items"),
        (json!({ "email_addresses": ["ada@example.com"] }), "Expected a dictionary"),
        (json!({ "email_addresses": vec![json!({ "email": "a@example.com" }); 101] }), "no more than 100"),
    ];
    for (body, needle) in shapes {
        assert_field_error(&admin.patch(&path, &body), "email_addresses", needle);
    }
    assert_eq!(get_ok(&admin, &path), contact, "nothing was written");
    assert_eq!(count(&admin, "/api/v1/addresses/"), 1, "no address was left behind");
}

#[test]
fn an_item_of_another_contact_cannot_be_taken_over() {
    let server = TestServer::start();
    let admin = server.admin();
    let first = create(&admin, &ada());
    let second = create(&admin, &json!({ "last_name": "Babbage" }));
    let theirs = first["email_addresses"][0]["id"].as_str().expect("id");
    let resp = admin.patch(
        &format!("/api/v1/contacts/{}/", second["id"].as_str().expect("id")),
        &json!({ "email_addresses": [{ "id": theirs, "email": "charles@example.com" }] }),
    );
    assert_eq!(resp.json, json!({ "email_addresses": [{ "id": ["No item with this id in this list."] }] }));
    let key = first["id"].as_str().expect("id");
    assert_eq!(get_ok(&admin, &format!("/api/v1/contacts/{key}/"))["email_addresses"], first["email_addresses"]);
}

#[test]
fn a_contact_needs_a_name_and_valid_fields() {
    let server = TestServer::start();
    let admin = server.admin();
    let resp = admin.post("/api/v1/contacts/", &json!({ "title": "Dr" }));
    assert_field_error(&resp, "non_field_errors", "first name or a last name");
    let resp = admin.post("/api/v1/contacts/", &json!({ "last_name": "X", "contact_type": "friend" }));
    assert_field_error(&resp, "contact_type", "not a valid choice");
    let resp = admin.post("/api/v1/contacts/", &json!({ "last_name": "X", "status": "gone" }));
    assert_field_error(&resp, "status", "not a valid choice");
    let resp = admin.post("/api/v1/contacts/", &json!({ "last_name": "X", "linked_organization": "nope" }));
    assert_field_error(&resp, "linked_organization", "does not exist");
    assert_eq!(count(&admin, "/api/v1/contacts/"), 0);
}

#[test]
fn contacts_are_searched_filtered_and_ordered() {
    let server = TestServer::start();
    let admin = server.admin();
    let acme = organization(&admin, "Acme", None)["id"].as_str().expect("id").to_string();
    for (first, last, kind, status, company) in [
        ("Ada", "Lovelace", "customer", "active", "Engines"),
        ("Charles", "Babbage", "supplier", "active", "Difference"),
        ("Grace", "Hopper", "customer", "inactive", "Navy"),
        ("Alan", "Babbage", "partner", "active", "Bletchley"),
    ] {
        create(
            &admin,
            &json!({ "first_name": first, "last_name": last, "contact_type": kind, "status": status,
                     "organization_name": company, "linked_organization": if first == "Grace" { json!(acme) } else { Value::Null },
                     "tags": if kind == "customer" { json!(["Key"]) } else { json!([]) } }),
        );
    }
    let names = |query: &str| -> Vec<String> {
        get_ok(&admin, &format!("/api/v1/contacts/{query}"))["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|c| c["first_name"].as_str().expect("name").to_string())
            .collect()
    };
    assert_eq!(names(""), ["Alan", "Charles", "Grace", "Ada"], "last name, then first name");
    assert_eq!(names("?search=babb"), ["Alan", "Charles"]);
    assert_eq!(names("?search=navy"), ["Grace"], "search covers the organization name");
    assert_eq!(names("?contact_type=customer"), ["Grace", "Ada"]);
    assert_eq!(names("?status=inactive"), ["Grace"]);
    assert_eq!(names(&format!("?linked_organization={acme}")), ["Grace"]);
    assert_eq!(names("?tags=key"), ["Grace", "Ada"]);
    assert_eq!(names("?ordering=-first_name"), ["Grace", "Charles", "Alan", "Ada"]);
    let grace = &get_ok(&admin, "/api/v1/contacts/?status=inactive")["results"][0];
    assert_eq!(grace["linked_organization_name"], "Acme");
    assert_detail(&admin.get("/api/v1/contacts/?ordering=notes"), 400, "invalid_ordering");
}

#[test]
fn the_contact_trail_shows_what_changed_in_its_lists() {
    let server = TestServer::start();
    let admin = server.admin();
    let contact = create(&admin, &ada());
    let key = contact["id"].as_str().expect("id");
    let resp = admin.patch(&format!("/api/v1/contacts/{key}/"), &json!({ "phone_numbers": [] }));
    assert_eq!(resp.status, 200, "{}", resp.text);
    let trail = get_ok(&admin, &format!("/api/v1/audit-logs/?model=contact&object_id={key}&ordering=id"));
    let entries = trail["results"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "one entry per request: {trail}");
    assert_eq!(entries[0]["changes"]["email_addresses"]["new"].as_array().map(Vec::len), Some(2));
    assert_eq!(entries[1]["changes"]["phone_numbers"]["old"], contact["phone_numbers"]);
    assert_eq!(entries[1]["changes"]["phone_numbers"]["new"], json!([]));
    assert!(entries[1]["changes"].get("email_addresses").is_none(), "unchanged lists are not in the diff");
    for child in ["contactemailaddress", "contactphonenumber", "contactaddress"] {
        assert_eq!(
            count(&admin, &format!("/api/v1/audit-logs/?model={child}")),
            0,
            "{child} is audited with its contact"
        );
    }
}

#[test]
fn deleting_a_contact_removes_its_lists_but_not_its_addresses() {
    let server = TestServer::start();
    let admin = server.admin();
    let contact = create(&admin, &ada());
    let key = contact["id"].as_str().expect("id");
    let address = contact["addresses"][0]["address"]["id"].as_str().expect("id").to_string();
    let resp = admin.delete(&format!("/api/v1/addresses/{address}/"));
    assert_detail(&resp, 409, "protected");
    assert_eq!(admin.delete(&format!("/api/v1/contacts/{key}/")).status, 204);
    assert_not_found(&admin.get(&format!("/api/v1/contacts/{key}/")));
    let left: i64 = server
        .db()
        .read(|conn| {
            Ok::<_, plinth::store::StoreError>(conn.query_row(
                "SELECT count(*) FROM contact_email_addresses",
                [],
                |r| r.get(0),
            )?)
        })
        .expect("count");
    assert_eq!(left, 0, "the contact's e-mail addresses went with it");
    assert_eq!(admin.delete(&format!("/api/v1/addresses/{address}/")).status, 204, "now unused");
}

#[test]
fn addresses_stand_alone_and_check_their_values() {
    let server = TestServer::start();
    let admin = server.admin();
    let resp = admin.post("/api/v1/addresses/", &json!({ "city": "Paris", "country": "fr", "latitude": "48.8566" }));
    assert_eq!(resp.status, 201, "{}", resp.text);
    assert_eq!(resp.json["country"], "FR");
    assert_eq!(resp.json["status"], "active");
    assert_eq!(resp.json["street_address_1"], "");
    for (body, field, needle) in [
        (json!({ "city": "Paris" }), "country", "required"),
        (json!({ "country": "XX" }), "country", "not a valid"),
        (json!({ "country": "FR", "latitude": "91" }), "latitude", "between -90 and 90"),
        (json!({ "country": "FR", "longitude": "-180.5" }), "longitude", "between -180 and 180"),
        (json!({ "country": "FR", "latitude": "1.123456789" }), "latitude", "decimal places"),
        (json!({ "country": "FR", "postal_code": "1".repeat(21) }), "postal_code", "no more than 20"),
    ] {
        assert_field_error(&admin.post("/api/v1/addresses/", &body), field, needle);
    }
    let names = |query: &str| -> Vec<Value> {
        get_ok(&admin, &format!("/api/v1/addresses/{query}"))["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|a| a["city"].clone())
            .collect()
    };
    admin.post("/api/v1/addresses/", &json!({ "city": "Berlin", "country": "DE", "postal_code": "10115" }));
    assert_eq!(names(""), [json!("Berlin"), json!("Paris")], "by country, then city");
    assert_eq!(names("?country=FR"), [json!("Paris")]);
    assert_eq!(names("?search=10115"), [json!("Berlin")]);
}

#[test]
fn shared_contacts_are_read_by_everyone_and_written_with_a_role_anywhere() {
    let server = TestServer::start();
    let admin = server.admin();
    let shared = create(&admin, &ada());
    let key = shared["id"].as_str().expect("id");
    let path = format!("/api/v1/contacts/{key}/");
    // A signed-in user without any role reads shared contacts but may not change them.
    let (_, nobody) = user(&server, "nobody");
    assert_eq!(get_ok(&nobody, &path)["id"], key);
    assert_detail(&nobody.patch(&path, &json!({ "title": "Ms" })), 403, "permission_denied");
    assert_detail(&nobody.post("/api/v1/contacts/", &json!({ "last_name": "X" })), 403, "permission_denied");
    // Staff of any organization (contact.add / contact.change there) write shared contacts.
    let (_, staff) = organization_with_member(&server, "Acme", "Staff");
    let resp = staff.patch(&path, &json!({ "title": "Ms" }));
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(staff.post("/api/v1/contacts/", &json!({ "last_name": "Shared" })).status, 201);
    // A viewer somewhere reads, but holds no write permission anywhere.
    let (_, viewer) = organization_with_member(&server, "Globex", "Viewer");
    assert_detail(&viewer.patch(&path, &json!({ "title": "Dr" })), 403, "permission_denied");
    assert_eq!(get_ok(&admin, &path)["title"], "Ms");
}

#[test]
fn an_organizations_contacts_stay_inside_its_wall_with_their_addresses() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, acme_staff) = organization_with_member(&server, "Acme", "Staff");
    let (_, globex_admin) = organization_with_member(&server, "Globex", "Admin");
    let mut body = ada();
    body["organization"] = json!(acme);
    let contact = create(&acme_staff, &body);
    let key = contact["id"].as_str().expect("id");
    let address = &contact["addresses"][0]["address"];
    assert_eq!(address["organization"], json!(acme), "an inline address takes the contact's organization");
    let address_id = address["id"].as_str().expect("id").to_string();
    // Invisible across the wall: the contact, its address, and both in lists.
    assert_not_found(&globex_admin.get(&format!("/api/v1/contacts/{key}/")));
    assert_not_found(&globex_admin.get(&format!("/api/v1/addresses/{address_id}/")));
    assert_eq!(count(&globex_admin, "/api/v1/contacts/"), 0);
    assert_eq!(count(&globex_admin, "/api/v1/addresses/"), 0);
    // Acme's address cannot be pulled into a Globex contact, by id or inline with its id.
    for address in [json!(address_id), json!({ "id": address_id, "city": "Stolen" })] {
        let resp = globex_admin
            .post("/api/v1/contacts/", &json!({ "last_name": "Thief", "addresses": [{ "address": address }] }));
        assert_eq!(resp.status, 400, "{}", resp.text);
        assert!(resp.text.contains("does not exist"), "{}", resp.text);
    }
    assert_eq!(get_ok(&admin, &format!("/api/v1/addresses/{address_id}/"))["city"], "London", "unchanged");
    // A member of Acme without contact rights there cannot write it; an outsider's role
    // elsewhere does not help.
    let (viewer, viewer_client) = user(&server, "acme-viewer");
    add_member(&admin, &viewer, &acme, "Viewer");
    assert_eq!(get_ok(&viewer_client, &format!("/api/v1/contacts/{key}/"))["id"], key);
    assert_detail(
        &viewer_client.patch(&format!("/api/v1/contacts/{key}/"), &json!({ "title": "X" })),
        403,
        "permission_denied",
    );
    let resp = globex_admin.post("/api/v1/contacts/", &json!({ "last_name": "Intruder", "organization": acme }));
    assert_field_error(&resp, "organization", "does not exist");
}

#[test]
fn organizations_name_their_primary_contact_and_address() {
    let server = TestServer::start();
    let admin = server.admin();
    let org = organization(&admin, "Acme", None);
    assert_eq!(org["organization_type_name"], "Company");
    let key = org["id"].as_str().expect("id");
    let contact = create(&admin, &ada());
    let address = contact["addresses"][0]["address"]["id"].clone();
    let path = format!("/api/v1/organizations/{key}/");
    let resp = admin.patch(&path, &json!({ "primary_contact": contact["id"], "primary_address": address }));
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.json["primary_contact"], contact["id"]);
    assert_eq!(resp.json["primary_address"], address);
    assert_field_error(&admin.patch(&path, &json!({ "primary_contact": "nope" })), "primary_contact", "does not exist");
    // Deleting the contact clears the reference (SET NULL).
    assert_eq!(admin.delete(&format!("/api/v1/contacts/{}/", contact["id"].as_str().expect("id"))).status, 204);
    let org = get_ok(&admin, &path);
    assert_eq!(org["primary_contact"], Value::Null);
    assert_eq!(org["primary_address"], address, "the address remains");
}

#[test]
fn linked_organization_tags_and_custom_fields_are_set_and_unset() {
    let server = TestServer::start();
    let admin = server.admin();
    let acme = organization(&admin, "Acme", None)["id"].clone();
    crate::common::define_custom_field(&admin, "contact", "birthday", "date", json!({}));
    crate::common::define_custom_field(&admin, "address", "gate", "text", json!({ "required": true }));
    let contact = create(
        &admin,
        &json!({ "last_name": "Hopper", "linked_organization": acme,
                                           "custom_fields": { "birthday": "1906-12-09" } }),
    );
    let key = contact["id"].as_str().expect("id");
    let path = format!("/api/v1/contacts/{key}/");
    assert_eq!(contact["linked_organization_name"], "Acme");
    assert_eq!(contact["custom_fields"], json!({ "birthday": "1906-12-09" }));
    let resp = admin.patch(&path, &json!({ "linked_organization": null, "tags": ["Navy", "navy", "COBOL"] }));
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.json["linked_organization"], Value::Null);
    assert_eq!(resp.json["linked_organization_name"], Value::Null);
    assert_eq!(resp.json["tags"], json!(["COBOL", "Navy"]));
    let bad = admin.patch(&path, &json!({ "custom_fields": { "birthday": "yesterday" } }));
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(bad.json["custom_fields"]["birthday"].is_array(), "{}", bad.text);
    // An inline address is held to its own custom field definitions.
    let resp = admin.patch(&path, &json!({ "addresses": [{ "address": { "country": "US" } }] }));
    assert_eq!(
        resp.json,
        json!({ "addresses": [{ "address": { "custom_fields": { "gate": ["This field is required."] } } }] })
    );
    let resp = admin
        .patch(&path, &json!({ "addresses": [{ "address": { "country": "US", "custom_fields": { "gate": "B" } } }] }));
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.json["addresses"][0]["address"]["custom_fields"], json!({ "gate": "B" }));
    // Audit entries name contacts and addresses by their display.
    let trail = get_ok(&admin, &format!("/api/v1/audit-logs/?model=contact&object_id={key}"));
    assert_eq!(trail["results"][0]["object_repr"], "Hopper", "no stray space for the missing first name");
    let address = &resp.json["addresses"][0]["address"]["id"];
    let trail =
        get_ok(&admin, &format!("/api/v1/audit-logs/?model=address&object_id={}", address.as_str().expect("id")));
    assert_eq!(trail["results"][0]["object_repr"], "US", "no stray commas for missing parts");
}
