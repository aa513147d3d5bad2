//! The admin pages in a real browser (headless Chromium): signing in (with a one-time code
//! too), a contact with nested e-mails created, refused beside its field, edited and found in
//! its history, a tree move refused for a cycle, the advanced filter, a protected delete,
//! signing out; escaping, CSRF, and an accessibility check of the main pages.

use serde_json::json;

use crate::browser::{self, Page};
use crate::common::{ADMIN_PASSWORD, TestServer, get_ok, organization, user};

/// Opens the app and signs in as `username`; waits for the navigation.
fn sign_in(page: &Page, base: &str, username: &str, password: &str) {
    page.goto(&format!("{base}/"));
    page.wait("#signin");
    page.fill("#username", username);
    page.fill("#password", password);
    page.click("#signin button[type=submit]");
}

/// Every accessibility violation axe finds on the page, as `id: description` lines.
fn violations(page: &Page) -> Vec<String> {
    page.axe_violations().iter().map(|v| format!("{}: {} ({})", v["id"], v["description"], v["target"])).collect()
}

#[test]
fn a_contact_is_created_refused_beside_its_field_edited_and_shown_in_its_history() {
    let Some(browser) = browser::launch() else { return };
    let server = TestServer::start();
    let base = format!("http://{}", server.addr);
    let page = browser.page();

    sign_in(&page, &base, "admin", "wrong-password");
    page.wait_text("#signin [role=alert]", "Wrong username or password");
    assert_eq!(violations(&page), Vec::<String>::new(), "sign-in page");
    sign_in(&page, &base, "admin", ADMIN_PASSWORD);
    page.wait("#nav");
    let cookies = page.cookies();
    let session = cookies.iter().find(|c| c.name == "plinth_session").expect("session cookie");
    assert!(session.http_only && session.value.len() > 20, "an HttpOnly session cookie");
    assert_eq!(page.eval("document.cookie"), json!(""), "scripts cannot read it");

    page.goto(&format!("{base}/#/m/contacts/new"));
    page.wait("#record-form");
    page.fill("#record-form > .object > [data-field=first_name] input", "Ada");
    page.click("[data-add=email_addresses]");
    page.fill("[data-field=email_addresses] .child [data-field=email] input", "not-an-email");
    page.click("#save");
    page.wait_text("[data-field=email_addresses] .child [data-field=email] .errors", "valid");
    assert_eq!(violations(&page), Vec::<String>::new(), "form page with errors");
    page.doc_screenshot("form");
    assert_eq!(get_ok(&server.admin(), "/api/v1/contacts/")["count"], 0, "nothing was written");

    page.fill("[data-field=email_addresses] .child [data-field=email] input", "ada@example.com");
    page.click("#save");
    page.wait_text("#history", "CREATE");
    let created = get_ok(&server.admin(), "/api/v1/contacts/");
    assert_eq!(created["count"], 1);
    let contact = &created["results"][0];
    assert_eq!(contact["email_addresses"][0]["email"], "ada@example.com");
    assert!(page.url().ends_with(&format!("#/m/contacts/{}", contact["id"].as_str().expect("id"))), "{}", page.url());

    page.fill("#record-form > .object > [data-field=last_name] input", "Lovelace");
    page.click("#save");
    page.wait_text("#history", "UPDATE");
    page.wait_text("#history .changes", "Lovelace");
    let id = contact["id"].as_str().expect("id");
    assert_eq!(get_ok(&server.admin(), &format!("/api/v1/contacts/{id}/"))["last_name"], "Lovelace");

    page.goto(&format!("{base}/#/m/contacts"));
    page.wait_text("table.grid", "Lovelace");
    assert_eq!(violations(&page), Vec::<String>::new(), "list page");
    page.eval("window.scrollTo(0, 0)");
    page.doc_screenshot("list");

    page.click("#signout");
    page.wait("#signin");
    assert!(page.cookies().iter().all(|c| c.name != "plinth_session" || c.value.is_empty()), "the cookie is gone");
    page.goto(&format!("{base}/#/m/contacts"));
    page.wait("#signin");
}

#[test]
fn a_one_time_code_is_asked_for_and_accepted() {
    let Some(browser) = browser::launch() else { return };
    let server = TestServer::start();
    let base = format!("http://{}", server.addr);
    let (_, carol) = user(&server, "carol");
    let setup = carol.post("/api/v1/auth/2fa/totp/setup/", &json!({}));
    let key = crate::totp::base32_decode(setup.json["secret"].as_str().expect("secret"));
    let enabled = carol.post("/api/v1/auth/2fa/totp/verify/", &json!({ "code": crate::totp::code(&key, 0) }));
    assert_eq!(enabled.status, 200, "{}", enabled.text);

    let page = browser.page();
    sign_in(&page, &base, "carol", "carol-password-1");
    page.wait_text("#signin [role=alert]", "one-time code");
    // The next step's code: the current one was spent enabling the second factor.
    page.fill("#otp", &crate::totp::code(&key, 1));
    page.click("#signin button[type=submit]");
    page.wait("#nav");
    page.wait_text("#account-link", "carol");
}

#[test]
fn trees_moves_filters_protected_deletes_escaping_and_csrf() {
    let Some(browser) = browser::launch() else { return };
    let server = TestServer::start();
    let base = format!("http://{}", server.addr);
    let admin = server.admin();
    let alpha = organization(&admin, "Alpha", None)["id"].as_str().expect("id").to_string();
    organization(&admin, "Beta", Some(&alpha));
    let hostile = "<img src=x onerror=alert(1)>";
    for (first, last, status) in
        [("Grace", "Hopper", "active"), ("Alan", "Turing", "inactive"), ("Evil", hostile, "active")]
    {
        let body = json!({ "first_name": first, "last_name": last, "status": status,
            "addresses": [{ "address": { "street_address_1": format!("{first} street 1"), "city": "Berlin", "postal_code": "10115", "country": "DE" } }] });
        assert_eq!(admin.post("/api/v1/contacts/", &body).status, 201);
    }
    let page = browser.page();
    sign_in(&page, &base, "admin", ADMIN_PASSWORD);
    page.wait("#nav");

    // A record named like markup is shown as that text.
    page.goto(&format!("{base}/#/m/contacts"));
    page.wait_text("table.grid", hostile);
    assert_eq!(page.eval("document.querySelectorAll('main img').length"), json!(0));

    // The advanced filter builds `?filter=` and the list follows it.
    page.click("#advanced-toggle");
    page.click("[data-add=condition]");
    page.select("#filter-builder .cond-field", "status");
    page.select("#filter-builder .cond-op", "in");
    page.fill("#filter-builder .cond-value", "inactive, archived");
    page.click("#filter-builder button[type=submit]");
    page.wait_text("[role=status]", "1 found");
    page.wait_text("table.grid", "Turing");
    assert!(page.url().contains("filter="), "{}", page.url());

    // A protected address: the refusal is shown on its row and it stays.
    page.goto(&format!("{base}/#/m/addresses"));
    page.wait_text("table.grid", "Grace street 1");
    page.eval("window.confirm = () => true");
    page.click("#main thead input[type=checkbox]");
    page.click("#bulk-delete");
    page.wait_text(".row-error", "other records refer to it");
    assert_eq!(get_ok(&admin, "/api/v1/addresses/")["count"], 3);

    // Moving a node under its own child is refused, and says why.
    page.goto(&format!("{base}/#/t/organizations"));
    page.wait_text(".tree", "Alpha");
    page.click(&format!("[data-move=\"{alpha}\"]"));
    page.fill(".move input[role=combobox]", "Beta");
    page.wait_text(".move [role=option]", "Beta");
    page.click(".move [role=option]");
    page.click(".move button[type=submit]");
    page.wait_text(".row-error", "descendants");
    assert_eq!(violations(&page), Vec::<String>::new(), "tree page");
    page.eval("window.scrollTo(0, 0)");
    page.doc_screenshot("tree");
    assert_eq!(get_ok(&admin, &format!("/api/v1/organizations/{alpha}/"))["parent"], json!(null));

    // An action reading a body: a member made right in the organization's page.
    let viewer = crate::common::role_id(&admin, "Viewer");
    visit(&page, &format!("#/m/organizations/{alpha}"));
    page.fill("form[data-action=create-user] input[name=username]", "olga");
    page.fill("form[data-action=create-user] input[name=password]", "Olga-pass-2026!");
    page.fill("form[data-action=create-user] input[name=role]", &viewer);
    page.eval("window.confirm = () => true");
    page.click("form[data-action=create-user] button[type=submit]");
    page.wait_text(".action-result", "olga");
    server.login("olga", "Olga-pass-2026!");

    // With the cookie but without the CSRF header, a write is refused.
    let refused = page.eval(
        "fetch('/api/v1/contacts/', { method: 'POST', headers: { 'Content-Type': 'application/json' }, \
         body: JSON.stringify({ first_name: 'Mallory' }) }).then(r => r.status)",
    );
    assert_eq!(refused, json!(403));
    assert_eq!(get_ok(&admin, "/api/v1/contacts/?search=Mallory")["count"], 0);
}

/// Shows the view at `hash` (on the signed-in app, without reloading it), after emptying the
/// main area so that a wait cannot be met by the previous view.
fn visit(page: &Page, hash: &str) {
    page.eval(&format!("document.getElementById('main').replaceChildren(); location.hash = {}", json!(hash)));
}

#[test]
fn every_model_lists_opens_and_offers_its_form_without_an_error() {
    let Some(browser) = browser::launch() else { return };
    let server = TestServer::start();
    let base = format!("http://{}", server.addr);
    let admin = server.admin();
    let body = json!({ "first_name": "Ada", "email_addresses": [{ "email": "ada@example.com" }],
        "addresses": [{ "address": { "street_address_1": "Main 1", "city": "Berlin", "postal_code": "10115", "country": "DE" } }] });
    assert_eq!(admin.post("/api/v1/contacts/", &body).status, 201);
    let alpha = organization(&admin, "Alpha", None)["id"].clone();
    let dock = json!({ "street_address_1": "Dock 4", "city": "Hamburg", "postal_code": "20457", "country": "DE",
                       "organization": alpha });
    let dock = admin.post("/api/v1/addresses/", &dock).json["id"].clone();
    let depot =
        json!({ "name": "Harbour", "code": "HH", "organization": alpha, "warehouse_type": "TRANSIT", "address": dock });
    let depot = admin.post("/api/v1/warehouses/", &depot).json["id"].clone();
    let zone =
        admin.post("/api/v1/stock-locations/", &json!({ "name": "Zone A", "warehouse": depot, "barcode": "Z-A" }));
    assert_eq!(zone.status, 201, "{}", zone.text);
    // A category is named by its slug in URLs; a product refers to it by id.
    let tools = admin.post("/api/v1/categories/", &json!({ "name": "Tools", "category_type": "PRODUCT" }));
    assert_eq!(tools.status, 201, "{}", tools.text);
    let drill = json!({ "name": "Drill", "sku": "D-1", "product_type": "PHYSICAL_GOOD", "base_uom": "EA",
                        "organization": alpha, "category": tools.json["id"], "tax_category": "STANDARD" });
    assert_eq!(admin.post("/api/v1/products/", &drill).status, 201);
    let page = browser.page();
    sign_in(&page, &base, "admin", ADMIN_PASSWORD);
    page.wait("#nav");
    page.eval(
        "window.problems = []; addEventListener('error', e => problems.push(String(e.message))); \
         addEventListener('unhandledrejection', e => problems.push(String(e.reason)))",
    );
    let meta = get_ok(&admin, "/api/v1/meta/models/");
    let viewable: Vec<&str> = meta["models"]
        .as_array()
        .expect("models")
        .iter()
        .filter(|m| m["nested"] == false && m["can"]["view"] == true)
        .map(|m| m["name"].as_str().expect("name"))
        .collect();
    let linked = page.eval("[...document.querySelectorAll('#nav a[data-model]')].map(a => a.dataset.model)");
    let mut linked: Vec<String> = serde_json::from_value(linked).expect("names");
    let mut expected: Vec<String> = viewable.iter().map(|n| n.to_string()).collect();
    linked.sort();
    expected.sort();
    assert_eq!(linked, expected, "the navigation offers every model the caller may view");
    let mut visited = 0;
    for model in meta["models"].as_array().expect("models").iter().filter(|m| m["nested"] == false) {
        let plural = model["plural"].as_str().expect("plural");
        visit(&page, &format!("#/m/{plural}"));
        page.wait_text("#main [role=status]", "found");
        let first = page.eval("document.querySelector('table.grid tbody a')?.getAttribute('href') ?? null");
        if let Some(href) = first.as_str() {
            visit(&page, href);
            page.wait("#record-form");
            page.wait("#main h1");
        }
        if model["can"]["add"] == true {
            visit(&page, &format!("#/m/{plural}/new"));
            page.wait("#record-form #save");
        }
        visited += 1;
        let alerts = page.eval(
            "[...document.querySelectorAll('#main .alert, #main [role=alert]')].map(e => e.innerText).filter(Boolean)",
        );
        assert_eq!(alerts, json!([]), "{plural}: an error is shown");
    }
    assert!(visited >= 19, "{visited} models visited");
    visit(&page, &format!("#/m/warehouses/{}", depot.as_str().expect("id")));
    page.wait_text("[data-field=address_details] output", "Dock 4, 20457 Hamburg, DE");
    assert_eq!(page.eval("problems"), json!([]), "script errors");
}

#[test]
fn the_pages_speak_german_fit_a_phone_answer_the_keyboard_and_run_actions() {
    let Some(browser) = browser::launch() else { return };
    let server = TestServer::start();
    let base = format!("http://{}", server.addr);
    let admin = server.admin();
    assert_eq!(admin.patch("/api/v1/profiles/me/", &json!({ "language": "de" })).status, 200);
    let page = browser.page();
    page.resize(360, 740);
    sign_in(&page, &base, "admin", ADMIN_PASSWORD);
    page.wait_text("#main h1", "Willkommen");
    assert_eq!(page.eval("document.documentElement.lang"), json!("de"));
    let overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth";
    assert_eq!(page.eval(overflow), json!(0), "nothing wider than the phone");
    // On a phone the navigation is behind the menu button.
    page.click("button.menu");
    page.wait_text("#nav", "Kontakte");
    page.click("#nav a[data-model=contact]");
    page.wait_text("#main [role=status]", "gefunden");
    assert_eq!(page.eval(overflow), json!(0), "the list fits");

    // `?` opens the sheet of shortcuts, Escape closes it; `/` goes to the search field.
    page.resize(1280, 900);
    page.press("?");
    page.wait_text("#help", "Tastenkürzel");
    page.press("Escape");
    page.wait_gone("#help");
    page.press("/");
    assert_eq!(page.eval("document.activeElement.id"), json!("search"));

    // A collection action with its parameters: the unit conversion.
    visit(&page, "#/m/uoms");
    page.wait("form[data-action=convert]");
    page.fill("form[data-action=convert] input[name=from]", "KG");
    page.fill("form[data-action=convert] input[name=to]", "G");
    page.fill("form[data-action=convert] input[name=value]", "2");
    page.click("form[data-action=convert] button[type=submit]");
    page.wait_text(".action-result", "2000");
}

#[test]
fn a_forgotten_password_custom_fields_chosen_columns_and_an_api_key() {
    let Some(browser) = browser::launch() else { return };
    let server = TestServer::start();
    let base = format!("http://{}", server.addr);
    let admin = server.admin();
    crate::common::define_custom_field(&admin, "contact", "region", "choice", json!({ "choices": ["north", "south"] }));
    crate::password::with_email(&server);
    let page = browser.page();

    // Forgotten: a token by e-mail, a new password with it, then signing in with that.
    page.goto(&format!("{base}/"));
    page.click("#forgot summary");
    page.fill("#reset-email", "admin@example.com");
    page.click("#reset-ask button[type=submit]");
    page.wait_text("#forgot [role=status]", "on its way");
    let token = crate::password::mailed_token(&server, "admin@example.com").expect("a mailed token");
    page.fill("#reset-token", &token);
    page.fill("#reset-password", "short");
    page.click("#reset-confirm button[type=submit]");
    page.wait_text("#reset-password-errors", "password");
    page.fill("#reset-password", "Brand-new-pass-77");
    page.click("#reset-confirm button[type=submit]");
    page.wait_text("#forgot [role=status]", "sign in with it");
    sign_in(&page, &base, "admin", "Brand-new-pass-77");
    page.wait("#nav");

    // A custom field is offered by the form and stored.
    visit(&page, "#/m/contacts/new");
    page.fill("#record-form > .object > [data-field=first_name] input", "Zed");
    page.select(".custom-fields [data-field=region] select", "north");
    page.click("#save");
    page.wait_text("#history", "CREATE");
    let admin = server.login("admin", "Brand-new-pass-77");
    let zed = &get_ok(&admin, "/api/v1/contacts/?search=Zed")["results"][0];
    assert_eq!(zed["custom_fields"], json!({ "region": "north" }));

    // Chosen columns are kept on the server and used after a reload.
    visit(&page, "#/m/contacts");
    page.wait("table.grid");
    page.click("#columns-toggle");
    page.eval("document.querySelectorAll('#columns input').forEach(b => { b.checked = ['last_name', 'status'].includes(b.value); })");
    page.click("#columns button[type=submit]");
    page.wait_text(".toast", "Columns saved");
    assert_eq!(
        get_ok(&admin, "/api/v1/profiles/me/")["list_settings"],
        json!({ "contact": { "columns": ["last_name", "status"] } })
    );
    page.goto(&format!("{base}/?again=1#/m/contacts"));
    page.wait("table.grid");
    assert_eq!(
        page.eval("[...document.querySelectorAll('table.grid thead th:not(.check)')].map(th => th.innerText.trim())"),
        json!(["Last name", "Status"])
    );

    // An API key: its secret is shown once, and it works.
    visit(&page, "#/account");
    page.wait("#api-key-new");
    assert_eq!(violations(&page), Vec::<String>::new(), "account page");
    page.fill("#api-key-new input[name=name]", "robot");
    page.click("#api-key-new button[type=submit]");
    page.wait_text("#new-key", "plk_");
    let key = page.text("#new-key");
    let listed = server.client().request("GET", "/api/v1/contacts/", &[("X-API-Key", key.trim())], None);
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.json["count"], 1);
}

#[test]
fn inline_objects_update_in_place_empty_pickers_keep_defaults_and_lists_recover_their_state() {
    let Some(browser) = browser::launch() else { return };
    let server = TestServer::start();
    let base = format!("http://{}", server.addr);
    let admin = server.admin();
    let alpha = organization(&admin, "Alpha", None)["id"].as_str().expect("id").to_string();
    crate::common::define_custom_field(&admin, "contact", "vip", "boolean", json!({}));
    let body = json!({ "first_name": "Ada", "addresses": [{ "address": { "street_address_1": "Main 1", "city": "Berlin", "country": "DE" } }] });
    let created = admin.post("/api/v1/contacts/", &body);
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().expect("id").to_string();
    let address = created.json["addresses"][0]["address"]["id"].clone();
    let page = browser.page();
    sign_in(&page, &base, "admin", ADMIN_PASSWORD);
    page.wait("#nav");

    // Editing the inline address updates that address; an optional yes/no left unset stays unset.
    visit(&page, &format!("#/m/contacts/{id}"));
    page.fill("[data-field=addresses] .child [data-field=city] input", "Hamburg");
    page.click("#save");
    page.wait_text(".toast", "Saved");
    let contact = get_ok(&admin, &format!("/api/v1/contacts/{id}/"));
    assert_eq!(contact["addresses"][0]["address"]["id"], address, "the same address");
    assert_eq!(contact["addresses"][0]["address"]["city"], "Hamburg");
    assert_eq!(get_ok(&admin, "/api/v1/addresses/")["count"], 1, "no address left behind");
    assert_eq!(contact["custom_fields"], json!({}));

    // A new address of a contact in an organization is in that organization, not shared.
    visit(&page, "#/m/contacts/new");
    page.fill("#record-form > .object > [data-field=first_name] input", "Grace");
    page.fill("#record-form > .object > [data-field=organization] input", "Alpha");
    page.click("#record-form > .object > [data-field=organization] [role=option]");
    page.click("[data-add=addresses]");
    page.fill("[data-field=addresses] .child [data-field=city] input", "Paris");
    page.fill("[data-field=addresses] .child [data-field=country] input", "France");
    page.click("[data-field=addresses] .child [data-field=country] [role=option]");
    page.click("#save");
    page.wait_text("#history", "CREATE");
    let grace = &get_ok(&admin, "/api/v1/contacts/?search=Grace")["results"][0];
    assert_eq!(grace["organization"], alpha.as_str());
    assert_eq!(grace["addresses"][0]["address"]["country"], "FR");
    assert_eq!(grace["addresses"][0]["address"]["organization"], alpha.as_str());

    // The skip link moves the focus and stays on the view.
    page.eval("document.querySelector('a.skip').click()");
    assert_eq!(page.eval("document.activeElement.id"), json!("main"));
    assert!(page.url().contains("#/m/contacts/"), "{}", page.url());
    assert_eq!(page.eval("document.querySelector('#main h1')?.innerText"), json!("Grace"));

    // A page past the last shows the first; a date range on a moment is a valid filter.
    visit(&page, "#/m/contacts?page=9");
    page.wait_text("#main [role=status]", "2 found");
    assert!(!page.url().contains("page=9"), "{}", page.url());
    visit(&page, "#/m/organizations");
    page.wait("table.grid");
    page.click("#filters-toggle");
    page.eval(
        "document.querySelector('#filters input[aria-label=\"Created at from\"]').value = '2020-01-01'; \
         document.querySelector('#filters input[aria-label=\"Created at to\"]').value = '2999-12-31'",
    );
    page.click("#filters button[type=submit]");
    page.wait_text("#main [role=status]", "1 found");
    assert_eq!(page.eval("document.querySelectorAll('#main [role=alert]:not(:empty)').length"), json!(0));
}
