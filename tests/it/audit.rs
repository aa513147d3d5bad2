//! The audit trail and change feed: every engine write and auth event leaves a hash-chained,
//! append-only entry in the same transaction; tampering is detected; consumers read the feed
//! with their own cursor.

use serde_json::{Value, json};

use plinth::audit::feed;
use plinth::audit::{self, Verification};
use plinth::store::StoreError;

use crate::common::{
    ADMIN_PASSWORD, Client, TestServer, assert_detail, get_ok, organization_with_member, regular_user,
};

/// Entries of the trail, newest first, per an `audit-logs/` query.
fn entries(admin: &Client, query: &str) -> Vec<Value> {
    get_ok(admin, &format!("/api/v1/audit-logs/?page_size=1000&{query}"))["results"]
        .as_array()
        .expect("results")
        .clone()
}

fn verify(server: &TestServer) -> Verification {
    server.db().read(audit::verify).expect("verify")
}

#[test]
fn engine_writes_leave_entries_with_field_level_changes() {
    let server = TestServer::start();
    let admin = server.admin();
    let headers =
        [("Content-Type", "application/json"), ("User-Agent", "audit-test/1.0"), ("X-Request-Id", "req-create-1")];
    let body = json!({ "code": "PAL", "name": "Pallet", "uom_type": "Count" }).to_string();
    let created = admin.request("POST", "/api/v1/uoms/", &headers, Some(body.as_bytes()));
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(admin.patch("/api/v1/uoms/PAL/", &json!({ "symbol": "pl" })).status, 200);
    assert_eq!(admin.delete("/api/v1/uoms/PAL/").status, 204);

    let trail = entries(&admin, "model=uom&object_id=PAL");
    let actions: Vec<&str> = trail.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["DELETE", "UPDATE", "CREATE"], "newest first");
    let (deleted, updated, create) = (&trail[0], &trail[1], &trail[2]);

    let admin_id = created.json["created_by"].clone();
    assert_eq!(create["user"], admin_id);
    assert_eq!(create["username"], "admin");
    assert_eq!(create["object_repr"], "Pallet");
    assert_eq!(create["changes"]["name"], json!({ "old": null, "new": "Pallet" }));
    assert_eq!(create["changes"]["is_active"], json!({ "old": null, "new": true }));
    assert!(create["changes"].get("created_at").is_none(), "bookkeeping columns are not changes");
    assert_eq!(create["context"]["request_id"], "req-create-1");
    assert_eq!(create["context"]["user_agent"], "audit-test/1.0");
    assert_eq!(create["context"]["ip"], "127.0.0.1");
    assert_eq!(create["context"]["origin"], "api");

    assert_eq!(updated["changes"], json!({ "symbol": { "old": "", "new": "pl" } }), "only what changed");
    assert_eq!(deleted["changes"]["symbol"], json!({ "old": "pl", "new": null }));
    assert_eq!(verify(&server), Verification::Intact { entries: 5 }, "the first admin, login, three writes");
}

#[test]
fn failed_writes_leave_no_entry() {
    let server = TestServer::start();
    let admin = server.admin();
    let before = entries(&admin, "").len();
    assert_eq!(admin.post("/api/v1/uoms/", &json!({ "code": "EA", "name": "Again", "uom_type": "Count" })).status, 400);
    assert_eq!(admin.delete("/api/v1/uoms/KG/").status, 409, "protected");
    assert_eq!(admin.patch("/api/v1/uoms/EA/", &json!({ "uom_type": "Nope" })).status, 400);
    assert_eq!(entries(&admin, "").len(), before);
}

#[test]
fn auth_events_are_recorded() {
    let server = TestServer::start();
    assert_eq!(
        server.client().post("/api/v1/auth/token/", &json!({ "username": "mallory", "password": "x" })).status,
        401
    );
    let session =
        server.client().post("/api/v1/auth/token/", &json!({ "username": "admin", "password": ADMIN_PASSWORD }));
    let refresh = session.json["refresh"].as_str().expect("refresh").to_string();
    let rotated = server.client().post("/api/v1/auth/token/refresh/", &json!({ "refresh": refresh }));
    assert_eq!(rotated.status, 200);
    assert_eq!(server.client().post("/api/v1/auth/token/refresh/", &json!({ "refresh": refresh })).status, 401);
    let admin = server.admin();
    assert_eq!(admin.post("/api/v1/auth/logout/", &json!({})).status, 204);

    let auditor = server.admin();
    let failed = entries(&auditor, "action=LOGIN_FAILED");
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0]["username"].as_str(), &failed[0]["user"]), (Some("mallory"), &Value::Null));
    assert_eq!(entries(&auditor, "action=TOKEN_REUSE_DETECTED").len(), 1);
    assert_eq!(entries(&auditor, "action=LOGOUT").len(), 1);
    assert_eq!(entries(&auditor, "action=LOGIN_SUCCESS").len(), 3);
    assert!(matches!(verify(&server), Verification::Intact { .. }));
}

#[test]
fn the_trail_is_for_superusers_and_organization_auditors_and_read_only() {
    let server = TestServer::start();
    assert_detail(&server.client().get("/api/v1/audit-logs/"), 401, "not_authenticated");
    let admin = server.admin();
    let clerk = admin.post("/api/v1/roles/", &json!({ "name": "Clerk", "permissions": ["organization.view"] }));
    assert_eq!(clerk.status, 201, "{}", clerk.text);
    let (_, member) = organization_with_member(&server, "Acme", "Clerk");
    let newest = &entries(&admin, "")[0];
    let id = newest["id"].as_i64().expect("integer id: the position in the chain");
    assert_eq!(get_ok(&admin, &format!("/api/v1/audit-logs/{id}/"))["hash"], newest["hash"]);
    // Holding `auditlog.view` in no organization is a 403, not an empty list: for a member of
    // no organization, and for a member whose role does not grant it.
    for caller in [&regular_user(&server), &member] {
        assert_detail(&caller.get("/api/v1/audit-logs/"), 403, "permission_denied");
        assert_detail(&caller.get(&format!("/api/v1/audit-logs/{id}/")), 403, "permission_denied");
    }
    // Nobody writes the trail: the methods do not exist.
    assert_detail(&admin.post("/api/v1/audit-logs/", &json!({ "action": "CREATE" })), 405, "method_not_allowed");
    assert_detail(&admin.delete(&format!("/api/v1/audit-logs/{id}/")), 405, "method_not_allowed");
}

#[test]
fn filters_narrow_the_trail() {
    let server = TestServer::start();
    let admin = server.admin();
    for code in ["A1", "A2"] {
        assert_eq!(
            admin.post("/api/v1/uoms/", &json!({ "code": code, "name": code, "uom_type": "Count" })).status,
            201
        );
    }
    let all_creates = entries(&admin, "action=CREATE&model=uom");
    assert_eq!(all_creates.len(), 2);
    let first_at = all_creates[1]["created_at"].as_str().expect("created_at");
    let later = entries(&admin, &format!("action=CREATE&created_at__gt={}", crate::common::enc(first_at)));
    assert_eq!(later.len(), 1, "date range filters");
    assert_eq!(later[0]["object_id"], "A2");
    let user = all_creates[0]["user"].as_str().expect("user");
    assert_eq!(entries(&admin, &format!("user={user}&model=uom")).len(), 2);
    assert_eq!(entries(&admin, "search=A1&model=uom").len(), 1);
}

#[test]
fn the_database_refuses_to_change_entries() {
    let server = TestServer::start();
    let _admin = server.admin();
    for sql in ["UPDATE audit_logs SET username = 'eve'", "DELETE FROM audit_logs"] {
        let outcome = server.db().write(move |conn| conn.execute(sql, []).map_err(StoreError::from));
        let message = format!("{outcome:?}");
        assert!(message.contains("append-only"), "{sql}: {message}");
    }
    assert!(matches!(verify(&server), Verification::Intact { entries: 2 }), "the first admin and the login");
}

#[test]
fn tampering_is_detected_at_the_first_broken_link() {
    let server = TestServer::start();
    let admin = server.admin();
    for code in ["T1", "T2", "T3"] {
        assert_eq!(
            admin.post("/api/v1/uoms/", &json!({ "code": code, "name": code, "uom_type": "Count" })).status,
            201
        );
    }
    assert_eq!(verify(&server), Verification::Intact { entries: 5 });
    // Someone with the database file removes the guard and rewrites history.
    server
        .db()
        .write(|conn| {
            conn.execute_batch(
                "DROP TRIGGER audit_logs_append_only_update;
                 UPDATE audit_logs SET object_repr = 'forged' WHERE id = 3;",
            )
            .map_err(StoreError::from)
        })
        .expect("tamper");
    match verify(&server) {
        Verification::Broken { seq, reason, .. } => {
            assert_eq!(seq, 3);
            assert!(reason.contains("altered"), "{reason}");
        }
        other => panic!("tampering undetected: {other:?}"),
    }
}

#[test]
fn every_write_publishes_a_change_event_for_consumers() {
    let server = TestServer::start();
    let admin = server.admin();
    assert_eq!(admin.post("/api/v1/statuses/", &json!({ "slug": "on_hold", "name": "On Hold" })).status, 201);
    assert_eq!(admin.patch("/api/v1/statuses/on_hold/", &json!({ "color": "#123456" })).status, 200);
    assert_eq!(admin.delete("/api/v1/statuses/on_hold/").status, 204);
    let mut events = server.db().read(|conn| feed::pending(conn, "search", 100)).expect("feed");
    let first = events.remove(0);
    assert_eq!((first.model.as_str(), first.action.as_str()), ("user", "create"), "the first administrator");
    let summary: Vec<(&str, &str, &str)> =
        events.iter().map(|e| (e.model.as_str(), e.object_id.as_str(), e.action.as_str())).collect();
    assert_eq!(
        summary,
        [("status", "on_hold", "create"), ("status", "on_hold", "update"), ("status", "on_hold", "delete")]
    );
    assert_eq!(events[1].changed_fields, ["color"]);
    // Each consumer has its own cursor; acknowledged events are not handed out again.
    let last = events[1].seq;
    server.db().write(move |conn| feed::acknowledge(conn, "search", last)).expect("ack");
    let rest = server.db().read(|conn| feed::pending(conn, "search", 100)).expect("feed");
    assert_eq!(rest.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["delete"]);
    let other = server.db().read(|conn| feed::pending(conn, "automation", 100)).expect("feed");
    assert_eq!(other.len(), 4, "another consumer starts from the beginning");
}

#[test]
fn removing_entries_while_running_freezes_the_anchored_head() {
    let server = TestServer::start();
    let admin = server.admin();
    assert_eq!(admin.post("/api/v1/uoms/", &json!({ "code": "R1", "name": "R1", "uom_type": "Count" })).status, 201);
    let file = server.dir.path().join("audit.head");
    // The head is written right after the commit, which may be just after the reply.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let anchored = loop {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        if audit::Head::parse(&text).is_some_and(|head| head.seq == 3) {
            break text;
        }
        assert!(std::time::Instant::now() < deadline, "first admin, login, create never anchored: {text}");
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    let expected = audit::Head::parse(&anchored).expect("valid head");
    server
        .db()
        .write(|conn| {
            conn.execute_batch("DROP TRIGGER audit_logs_append_only_delete; DELETE FROM audit_logs WHERE id = 3;")
                .map_err(StoreError::from)
        })
        .expect("truncate");
    assert_eq!(admin.post("/api/v1/uoms/", &json!({ "code": "R2", "name": "R2", "uom_type": "Count" })).status, 201);
    assert_eq!(std::fs::read_to_string(&file).expect("head file"), anchored, "the evidence stays");
    let verdict = server
        .db()
        .read(|conn| audit::verify_anchored(conn, &[("head file".to_string(), expected.clone())]))
        .expect("verify");
    match verdict {
        Verification::Broken { seq, reason } => {
            assert_eq!(seq, 3);
            assert!(reason.contains("not the one anchored"), "{reason}");
        }
        other => panic!("a removed entry went unnoticed: {other:?}"),
    }
}

#[test]
fn a_create_entry_lists_exactly_what_was_stored() {
    // Create entries are prepared before the write from the validated row; the delete entry
    // is read from the stored row. Both must name the same fields with the same values.
    let server = TestServer::start();
    let admin = server.admin();
    for (plural, body, key) in [
        ("uoms", json!({ "code": "CRT", "name": "Crate of twelve", "uom_type": "Count" }), "code"),
        ("users", json!({ "username": "carla", "password": "carla-password-1", "email": "c@example.com" }), "id"),
        ("roles", json!({ "name": "Counter", "permissions": ["uom.add"] }), "id"),
    ] {
        let created = admin.post(&format!("/api/v1/{plural}/"), &body);
        assert_eq!(created.status, 201, "{}", created.text);
        let id = created.json[key].as_str().expect("key").to_string();
        assert_eq!(admin.delete(&format!("/api/v1/{plural}/{id}/")).status, 204);
        let trail = entries(&admin, &format!("object_id={id}&action__in=CREATE,DELETE&ordering=id"));
        let (create, delete) = (&trail[0]["changes"], &trail[1]["changes"]);
        let names = |changes: &Value| -> Vec<String> { changes.as_object().expect("object").keys().cloned().collect() };
        assert_eq!(names(create), names(delete), "{plural}: {create} vs {delete}");
        for (name, change) in delete.as_object().expect("object") {
            assert_eq!(create[name]["new"], change["old"], "{plural}.{name}");
        }
        assert!(create.get("password").is_none(), "{plural}: a write-only field is not listed");
    }
    assert!(matches!(verify(&server), Verification::Intact { .. }));
}

#[test]
fn entries_of_writes_undone_in_a_shared_commit_are_dropped_and_the_rest_chained() {
    // Entries are linked once per transaction, just before it commits: a write that fails
    // after recording its entry must take the entry with it, its neighbours keep theirs.
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let server = TestServer::start();
    const WRITERS: usize = 18;
    let queued = Arc::new(AtomicUsize::new(0));
    let gate = {
        let (db, queued) = (server.db().clone(), queued.clone());
        std::thread::spawn(move || {
            db.write(move |_| {
                while queued.load(Ordering::SeqCst) < WRITERS {
                    std::thread::yield_now();
                }
                Ok::<_, StoreError>(())
            })
        })
    };
    let threads: Vec<_> = (0..WRITERS)
        .map(|i| {
            let (db, queued) = (server.db().clone(), queued.clone());
            std::thread::spawn(move || {
                queued.fetch_add(1, Ordering::SeqCst);
                db.write(move |conn| {
                    let context = audit::Context { origin: "cli", ..Default::default() };
                    let id = format!("b{i:02}");
                    let entry = audit::Entry {
                        action: audit::Action::Create,
                        user: None,
                        username: "",
                        organization: None,
                        model: "batchtest",
                        object_id: &id,
                        object_repr: &id,
                        changes: Some(json!({ "n": { "old": null, "new": i } })),
                        context: &context,
                    };
                    audit::record(conn, entry)?;
                    if i % 3 == 0 { Err(StoreError::RolledBack) } else { Ok(()) }
                })
            })
        })
        .collect();
    let outcomes: Vec<bool> = threads.into_iter().map(|t| t.join().expect("thread").is_ok()).collect();
    gate.join().expect("gate").expect("gate write");
    let kept: Vec<String> = server
        .db()
        .read(|conn| {
            let mut stmt =
                conn.prepare("SELECT object_id FROM audit_logs WHERE model = 'batchtest' ORDER BY object_id")?;
            let rows = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok::<_, StoreError>(rows)
        })
        .expect("read");
    let expected: Vec<String> = (0..WRITERS).filter(|i| outcomes[*i]).map(|i| format!("b{i:02}")).collect();
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), WRITERS - WRITERS / 3);
    assert_eq!(kept, expected);
    assert!(matches!(verify(&server), Verification::Intact { .. }));
}
