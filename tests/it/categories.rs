//! Categories over HTTP (spec: Category): the typed tree, slugs as URL names and ids as
//! references, reference-data access, the type rule, cascading deletes and `categories/tree/`.

use serde_json::{Value, json};

use crate::common::{Client, TestServer, assert_detail, assert_field_error, get_ok, organization_with_member, user};

fn create(client: &Client, body: Value) -> Value {
    let resp = client.post("/api/v1/categories/", &body);
    assert_eq!(resp.status, 201, "{}", resp.text);
    resp.json
}

fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}

#[test]
fn categories_are_reference_data_read_by_anyone_and_written_with_a_global_permission() {
    let server = TestServer::start();
    let admin = server.admin();
    let tools = create(&admin, json!({ "name": "Power Tools", "category_type": "PRODUCT", "description": "Drills" }));
    assert_eq!(
        (&tools["slug"], &tools["is_active"], &tools["level"]),
        (&json!("power-tools"), &json!(true), &json!(0))
    );
    assert_eq!(tools["custom_fields"], json!({}));

    let anonymous = server.client();
    assert_eq!(get_ok(&anonymous, "/api/v1/categories/")["count"], 1);
    assert_eq!(get_ok(&anonymous, "/api/v1/categories/power-tools/")["name"], "Power Tools");
    let body = json!({ "name": "Saws", "category_type": "PRODUCT" });
    assert_detail(&anonymous.post("/api/v1/categories/", &body), 401, "not_authenticated");
    // An organization's admin holds every permission there, none on reference data.
    let (_, org_admin) = organization_with_member(&server, "Acme", "Admin");
    assert_detail(&org_admin.post("/api/v1/categories/", &body), 403, "permission_denied");
    assert_detail(
        &org_admin.patch("/api/v1/categories/power-tools/", &json!({ "name": "x" })),
        403,
        "permission_denied",
    );
    assert_detail(&org_admin.delete("/api/v1/categories/power-tools/"), 403, "permission_denied");
    // A role held globally grants it.
    let (keeper_id, keeper) = user(&server, "keeper");
    let role = admin.post("/api/v1/roles/", &json!({ "name": "Cataloguer", "permissions": ["category.add"] }));
    assert_eq!(role.status, 201, "{}", role.text);
    assert_eq!(admin.post("/api/v1/user-roles/", &json!({ "user": keeper_id, "role": id(&role.json) })).status, 201);
    create(&keeper, body);
    assert_detail(&keeper.delete("/api/v1/categories/saws/"), 403, "permission_denied");
}

#[test]
fn slugs_name_categories_in_urls_and_ids_everywhere_else() {
    let server = TestServer::start();
    let admin = server.admin();
    let tools = create(&admin, json!({ "name": "Tools", "category_type": "PRODUCT" }));
    // The same name of another type is another category, with the next free slug.
    let other = create(&admin, json!({ "name": "Tools", "category_type": "ASSET_TYPE" }));
    assert_eq!(other["slug"], "tools-2");
    // The URL names a category by slug; its id is not a URL name, but every reference is the id.
    assert_eq!(get_ok(&admin, "/api/v1/categories/tools/")["id"], tools["id"]);
    assert_detail(&admin.get(&format!("/api/v1/categories/{}/", id(&tools))), 404, "not_found");
    let by_slug =
        admin.post("/api/v1/categories/", &json!({ "name": "Drills", "category_type": "PRODUCT", "parent": "tools" }));
    assert_field_error(&by_slug, "parent", "does not exist");
    let drills = create(&admin, json!({ "name": "Drills", "category_type": "PRODUCT", "parent": id(&tools) }));
    assert_eq!((&drills["parent_name"], &drills["level"]), (&json!("Tools"), &json!(1)));
    // Slugs: unique, made from the name, `tree` reserved, a name without letters needs one.
    assert_field_error(
        &admin.post("/api/v1/categories/", &json!({ "name": "Hammers", "slug": "drills", "category_type": "PRODUCT" })),
        "slug",
        "already exists",
    );
    assert_field_error(
        &admin.post("/api/v1/categories/", &json!({ "name": "Trees", "slug": "tree", "category_type": "OTHER" })),
        "slug",
        "reserved",
    );
    assert_eq!(create(&admin, json!({ "name": "Tree", "category_type": "OTHER" }))["slug"], "tree-2");
    assert_field_error(
        &admin.post("/api/v1/categories/", &json!({ "name": "!!!", "category_type": "OTHER" })),
        "slug",
        "enter one",
    );
    assert_eq!(admin.patch("/api/v1/categories/drills/", &json!({ "slug": "power-drills" })).status, 200);
    assert_eq!(get_ok(&admin, "/api/v1/categories/power-drills/")["name"], "Drills");
    // Unique under one parent by name and type; roots too.
    let twin = admin
        .post("/api/v1/categories/", &json!({ "name": "Drills", "category_type": "PRODUCT", "parent": id(&tools) }));
    assert_eq!(twin.status, 400, "{}", twin.text);
    let root_twin = admin.post("/api/v1/categories/", &json!({ "name": "Tools", "category_type": "PRODUCT" }));
    assert_eq!(root_twin.status, 400, "{}", root_twin.text);
    // Unknown fields and choices are refused.
    assert_field_error(
        &admin.post("/api/v1/categories/", &json!({ "name": "X", "category_type": "FOOD" })),
        "category_type",
        "valid choice",
    );
}

#[test]
fn a_child_has_its_parents_type_and_the_tree_holds() {
    let server = TestServer::start();
    let admin = server.admin();
    let tools = create(&admin, json!({ "name": "Tools", "category_type": "PRODUCT" }));
    let drills = create(&admin, json!({ "name": "Drills", "category_type": "PRODUCT", "parent": id(&tools) }));
    let cordless = create(&admin, json!({ "name": "Cordless", "category_type": "PRODUCT", "parent": id(&drills) }));
    let wrong = admin.post(
        "/api/v1/categories/",
        &json!({ "name": "Manuals", "category_type": "DOCUMENT_TYPE", "parent": id(&tools) }),
    );
    assert_field_error(&wrong, "parent", "same category type");
    assert_field_error(
        &admin.patch("/api/v1/categories/tools/", &json!({ "parent": id(&cordless) })),
        "parent",
        "descendants",
    );
    assert_field_error(
        &admin.patch("/api/v1/categories/tools/", &json!({ "category_type": "OTHER" })),
        "category_type",
        "children",
    );

    let names = |path: &str| -> Vec<String> {
        get_ok(&admin, path)["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["name"].as_str().expect("name").to_string())
            .collect()
    };
    assert_eq!(names("/api/v1/categories/tools/children/"), ["Drills"]);
    // In tree order, as the spec's MPTT ordering: a node, then its subtree.
    assert_eq!(names("/api/v1/categories/tools/descendants/"), ["Drills", "Cordless"]);
    assert_eq!(names("/api/v1/categories/cordless/ancestors/"), ["Tools", "Drills"]);
    assert_eq!(names("/api/v1/categories/?parent__slug=drills"), ["Cordless"]);
    assert_eq!(names("/api/v1/categories/?category_type=PRODUCT&ordering=name"), ["Cordless", "Drills", "Tools"]);

    // Inactive categories are left out unless asked for.
    assert_eq!(admin.patch("/api/v1/categories/drills/", &json!({ "is_active": false })).status, 200);
    assert_eq!(names("/api/v1/categories/?ordering=name"), ["Cordless", "Tools"]);
    assert_eq!(names("/api/v1/categories/?is_active=false"), ["Drills"]);

    // Deleting a category deletes its subtree, each deletion audited.
    assert_eq!(admin.delete("/api/v1/categories/tools/").status, 204);
    assert_eq!(get_ok(&admin, "/api/v1/categories/?is_active=false")["count"], 0);
    assert_eq!(get_ok(&admin, "/api/v1/categories/")["count"], 0);
    let trail = get_ok(&admin, "/api/v1/audit-logs/?model=category&action=DELETE");
    assert_eq!(trail["count"], 3, "{trail}");
}

#[test]
fn the_tree_of_a_type_is_nested_and_leaves_out_inactive_branches() {
    let server = TestServer::start();
    let admin = server.admin();
    let tools = create(&admin, json!({ "name": "Tools", "category_type": "PRODUCT" }));
    let garden = create(&admin, json!({ "name": "Garden", "category_type": "PRODUCT" }));
    create(&admin, json!({ "name": "Saws", "category_type": "PRODUCT", "parent": id(&tools) }));
    let drills = create(&admin, json!({ "name": "Drills", "category_type": "PRODUCT", "parent": id(&tools) }));
    create(&admin, json!({ "name": "Cordless", "category_type": "PRODUCT", "parent": id(&drills) }));
    let hoses = create(
        &admin,
        json!({ "name": "Hoses", "category_type": "PRODUCT", "parent": id(&garden), "is_active": false }),
    );
    create(&admin, json!({ "name": "Reels", "category_type": "PRODUCT", "parent": id(&hoses) }));
    create(&admin, json!({ "name": "Invoices", "category_type": "DOCUMENT_TYPE" }));

    let outline = |tree: &Value| -> Value {
        fn walk(node: &Value) -> Value {
            let children: Vec<Value> = node["children"].as_array().expect("children").iter().map(walk).collect();
            json!([node["name"], children])
        }
        Value::Array(tree.as_array().expect("roots").iter().map(walk).collect())
    };
    let anonymous = server.client();
    let tree = get_ok(&anonymous, "/api/v1/categories/tree/?type=PRODUCT");
    let expected = json!([["Garden", []], ["Tools", [["Drills", [["Cordless", []]]], ["Saws", []]]]]);
    assert_eq!(outline(&tree), expected);
    assert_eq!(tree[1]["children"][0]["slug"], "drills", "each node is a whole category");
    assert_eq!(outline(&get_ok(&anonymous, "/api/v1/categories/tree/PRODUCT/")), expected);
    assert_eq!(outline(&get_ok(&anonymous, "/api/v1/categories/tree/DOCUMENT_TYPE/")), json!([["Invoices", []]]));
    assert_detail(&anonymous.get("/api/v1/categories/tree/?type=FOOD"), 400, "invalid_query");
    assert_detail(&anonymous.get("/api/v1/categories/tree/"), 400, "invalid_query");
}
