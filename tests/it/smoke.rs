//! The walking skeleton answers: health, a seeded list, login and an authenticated write.

use serde_json::json;

use crate::common::TestServer;

#[test]
fn health_lists_and_writes_work_end_to_end() {
    let server = TestServer::start();
    let health = server.client().get("/api/v1/health/");
    assert_eq!(health.status, 200);
    assert_eq!(health.json, json!({ "status": "ok", "version": plinth::VERSION }));

    let usd = server.client().get("/api/v1/currencies/USD/");
    assert_eq!(usd.status, 200);
    assert_eq!(usd.json["name"], "United States dollar");

    let admin = server.admin();
    let created = admin.post("/api/v1/uoms/", &json!({ "code": "PAL", "name": "Pallet", "uom_type": "Count" }));
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["is_active"], true);
    assert_eq!(server.client().get("/api/v1/uoms/PAL/").json["name"], "Pallet");
}
