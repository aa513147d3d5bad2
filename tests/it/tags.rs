//! Tags (spec: Tagging): a shared vocabulary looked up by slug, made on first use by whoever
//! may write the row being tagged, matched regardless of case, linked to rows through a table
//! per model; `?tags=a,b` matches any; renaming or deleting a tag is tag administration.

use serde_json::{Value, json};

use crate::common::{TestServer, assert_detail, enc, get_ok, organization, organization_with_member};

fn names(list: &Value) -> Vec<String> {
    list["results"].as_array().expect("results").iter().map(|r| r["name"].as_str().expect("name").to_string()).collect()
}

#[test]
fn tags_are_made_on_first_use_and_matched_regardless_of_case() {
    let server = TestServer::start();
    let admin = server.admin();
    let acme = organization(&admin, "Acme", None)["id"].as_str().expect("id").to_string();
    let globex = organization(&admin, "Globex", None)["id"].as_str().expect("id").to_string();
    let tagged = admin
        .patch(&format!("/api/v1/organizations/{acme}/"), &json!({ "tags": ["north", "Key Account", "KEY account"] }));
    assert_eq!((tagged.status, &tagged.json["tags"]), (200, &json!(["Key Account", "north"])), "{}", tagged.text);
    let other = admin.patch(&format!("/api/v1/organizations/{globex}/"), &json!({ "tags": ["key ACCOUNT"] }));
    assert_eq!(other.json["tags"], json!(["Key Account"]), "the tag keeps the case it was first written in");
    let vocabulary = get_ok(&admin, "/api/v1/tags/");
    let slugs: Vec<&str> =
        vocabulary["results"].as_array().expect("results").iter().filter_map(|t| t["slug"].as_str()).collect();
    assert_eq!(slugs, ["key-account", "north"]);
    assert_eq!(get_ok(&admin, "/api/v1/tags/key-account/")["name"], "Key Account");
    // Any of the tags, each row once.
    assert_eq!(names(&get_ok(&admin, "/api/v1/organizations/?tags=north,key%20account")), ["Acme", "Globex"]);
    assert_eq!(names(&get_ok(&admin, "/api/v1/organizations/?tags=NORTH")), ["Acme"]);
    let filter = json!({ "field": "tags", "op": "in", "value": ["Key Account"] }).to_string();
    assert_eq!(names(&get_ok(&admin, &format!("/api/v1/organizations/?filter={}", enc(&filter)))), ["Acme", "Globex"]);
    // A write replaces the set, and the trail shows what changed.
    let replaced = admin.patch(&format!("/api/v1/organizations/{acme}/"), &json!({ "tags": ["north"] }));
    assert_eq!(replaced.json["tags"], json!(["north"]));
    let trail = get_ok(&admin, &format!("/api/v1/audit-logs/?object_id={acme}&action=UPDATE"));
    assert_eq!(trail["results"][0]["changes"]["tags"], json!({ "old": ["Key Account", "north"], "new": ["north"] }));
    let created = get_ok(&admin, "/api/v1/audit-logs/?model=tag&action=CREATE")["count"].clone();
    assert_eq!(created, 2, "each tag's first use is recorded");
}

#[test]
fn renaming_or_deleting_a_tag_is_tag_administration() {
    let server = TestServer::start();
    let admin = server.admin();
    let (acme, acme_admin) = organization_with_member(&server, "Acme", "Admin");
    let tagged = acme_admin.patch(&format!("/api/v1/organizations/{acme}/"), &json!({ "tags": ["Priority"] }));
    assert_eq!(tagged.status, 200, "whoever may write the row makes its tags: {}", tagged.text);
    assert_detail(&acme_admin.patch("/api/v1/tags/priority/", &json!({ "name": "Prio" })), 403, "permission_denied");
    assert_detail(&acme_admin.delete("/api/v1/tags/priority/"), 403, "permission_denied");
    assert_detail(&acme_admin.post("/api/v1/tags/", &json!({ "name": "Spare" })), 403, "permission_denied");
    let renamed = admin.patch("/api/v1/tags/priority/", &json!({ "name": "High priority" }));
    assert_eq!((renamed.status, &renamed.json["slug"]), (200, &json!("priority")), "{}", renamed.text);
    assert_eq!(get_ok(&admin, &format!("/api/v1/organizations/{acme}/"))["tags"], json!(["High priority"]));
    assert_eq!(admin.delete("/api/v1/tags/priority/").status, 204);
    assert_eq!(get_ok(&admin, &format!("/api/v1/organizations/{acme}/"))["tags"], json!([]));
}

#[test]
fn slugs_are_made_like_djangos_and_kept_unique() {
    let server = TestServer::start();
    let admin = server.admin();
    let made = |name: &str| {
        let resp = admin.post("/api/v1/tags/", &json!({ "name": name }));
        assert_eq!(resp.status, 201, "{}", resp.text);
        resp.json["slug"].as_str().expect("slug").to_string()
    };
    assert_eq!(made("Crème Brûlée"), "creme-brulee");
    assert_eq!(made("A-B"), "a-b");
    assert_eq!(made("a b"), "a-b-2");
    assert_eq!(made("a  b!"), "a-b-3");
    let given = admin.post("/api/v1/tags/", &json!({ "name": "Given", "slug": "my-slug" }));
    assert_eq!(given.json["slug"], "my-slug");
    let nothing = admin.post("/api/v1/tags/", &json!({ "name": "日本" }));
    crate::common::assert_field_error(&nothing, "slug", "gives no slug");
    let taken = admin.post("/api/v1/tags/", &json!({ "name": "Other", "slug": "my-slug" }));
    crate::common::assert_field_error(&taken, "slug", "already exists");
    crate::common::assert_field_error(
        &admin.post("/api/v1/tags/", &json!({ "name": "given" })),
        "name",
        "already exists",
    );
}
