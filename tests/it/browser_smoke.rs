//! The browser harness itself, against a real server and small pages of its own: navigation,
//! waits, typing, picking, clicking, keys, JavaScript, cookies, screenshots and axe.

use base64::Engine;

use crate::browser;
use crate::common::TestServer;

/// A form whose script reports what a person did to it.
const FORM: &str = r#"<!doctype html><html lang="en"><title>form</title><main>
<form id="f"><label>Name <input id="name"></label>
<label>Role <select id="role"><option value="staff">Staff</option><option value="manager">Manager</option></select></label>
<button id="save">Save</button></form>
<output id="out"></output><p id="toast" hidden>Saved</p></main>
<script>
window.events = [];
for (const id of ['name', 'role']) {
  document.getElementById(id).addEventListener('change', () => events.push('change:' + id));
}
document.getElementById('f').addEventListener('submit', e => {
  e.preventDefault();
  document.getElementById('out').textContent = document.getElementById('name').value + '/' + document.getElementById('role').value;
  document.getElementById('toast').hidden = false;
});
document.addEventListener('keydown', e => { if (e.key === 'Escape') document.getElementById('toast').hidden = true; });
</script></html>"#;

fn data_url(html: &str) -> String {
    format!("data:text/html;base64,{}", base64::engine::general_purpose::STANDARD.encode(html))
}

#[test]
fn browser_harness_drives_pages_and_runs_axe() {
    let Some(browser) = browser::launch() else { return };
    let server = TestServer::start();
    let page = browser.page();

    let health = format!("http://{}/api/v1/health/", server.addr);
    page.goto(&health);
    page.wait_text("body", "\"status\"");
    assert_eq!(page.url(), health);
    assert_eq!(page.eval("1+1"), 2);
    assert_eq!(page.eval("new Promise(done => setTimeout(() => done('later'), 10))"), "later");
    page.eval("document.cookie = 'seen=1; path=/'");
    assert!(page.cookies().iter().any(|c| c.name == "seen" && c.value == "1"), "{:?}", page.cookies());

    page.goto(&data_url(FORM));
    page.fill("#name", "first draft");
    page.fill("#name", "Ada Lovelace");
    page.select("#role", "Manager");
    page.click("#save");
    page.wait_text("#out", "Ada Lovelace/manager");
    assert_eq!(page.text("#toast"), "Saved");
    page.press("Escape");
    page.wait_gone("#toast");
    page.select("#role", "staff");
    page.fill("#name", "");
    page.press("Enter");
    page.wait_text("#out", "/staff");
    assert_eq!(page.text("#out"), "/staff");
    assert_eq!(
        page.eval("events"),
        serde_json::json!(["change:name", "change:name", "change:role", "change:role", "change:name"])
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let shot = dir.path().join("shots").join("form.png");
    page.screenshot(&shot);
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().expect("4 bytes"));
    assert_eq!((size(16), size(20)), (1280, 900), "the window size");

    page.goto("data:text/html,<html lang=en><title>t</title><main><h1>x</h1></main></html>");
    page.wait("h1");
    assert_eq!(page.axe_violations(), Vec::<serde_json::Value>::new());
    // …and it does find what is wrong.
    page.goto("data:text/html,<html lang=en><title>t</title><main><img src=x.png></main></html>");
    let violations = page.axe_violations();
    assert!(violations.iter().any(|v| v["id"] == "image-alt"), "{violations:?}");
}
