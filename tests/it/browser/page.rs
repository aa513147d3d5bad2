//! One browser tab and what a test does with it: navigate, wait for elements and text, fill,
//! pick, click, press keys, read text, evaluate JavaScript, take screenshots, read cookies.
//!
//! Every action targets the first *visible* element matching a CSS selector and first waits
//! for it. Every wait polls its condition until `TIMEOUT`, then panics naming what it waited
//! for, the page's URL and the start of its text.

use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use headless_chrome::Tab;
use headless_chrome::protocol::cdp::Input::{self, DispatchMouseEventTypeOption as MouseEvent};
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::protocol::cdp::{Emulation, Runtime};
use serde_json::{Value, json};

pub use headless_chrome::protocol::cdp::Network::Cookie;

use super::Browser;

/// How long a wait polls before it fails the test.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The pause between two polls of a condition.
const POLL: Duration = Duration::from_millis(20);

/// JavaScript helpers every query is evaluated with: `visible(el)` and `first(sel)`, the first
/// visible element matching `sel` (or `null`).
const PRELUDE: &str = "const visible = e => e.isConnected && e.getClientRects().length > 0 \
     && e.checkVisibility({ visibilityProperty: true }); \
     const first = s => Array.from(document.querySelectorAll(s)).find(visible) ?? null;";

/// A tab of a running [`Browser`].
pub struct Page<'b> {
    tab: Arc<Tab>,
    _browser: PhantomData<&'b Browser>,
}

impl Page<'_> {
    pub(super) fn new(tab: Arc<Tab>) -> Self {
        tab.set_default_timeout(TIMEOUT);
        Page { tab, _browser: PhantomData }
    }

    /// Sets the viewport to `width` × `height` CSS pixels (a phone's, below 600 wide).
    pub fn resize(&self, width: u32, height: u32) {
        let viewport = Emulation::SetDeviceMetricsOverride {
            width,
            height,
            device_scale_factor: 1.0,
            mobile: width < 600,
            scale: None,
            screen_width: None,
            screen_height: None,
            position_x: None,
            position_y: None,
            dont_set_visible_size: None,
            screen_orientation: None,
            viewport: None,
            display_feature: None,
            device_posture: None,
        };
        self.tab.call_method(viewport).unwrap_or_else(|e| panic!("cannot size the viewport: {e:#}"));
    }

    /// Loads `url` and waits until its document has loaded (`readyState` complete).
    pub fn goto(&self, url: &str) {
        if let Err(e) = self.tab.navigate_to(url) {
            panic!("cannot navigate to {url}: {e:#}");
        }
        self.poll(&format!("{url} to load"), || {
            let state = self.try_eval("[location.href, document.readyState]").ok()?;
            (state[0] != "about:blank" && state[1] == "complete").then_some(())
        });
    }

    /// Waits until an element matching `selector` is present and visible.
    pub fn wait(&self, selector: &str) {
        self.poll_js(&format!("a visible `{selector}`"), "s => first(s) !== null", &[json!(selector)]);
    }

    /// Waits until a visible element matching `selector` has a text containing `needle`.
    pub fn wait_text(&self, selector: &str, needle: &str) {
        self.poll_js(
            &format!("a visible `{selector}` with the text {needle:?}"),
            "(s, n) => Array.from(document.querySelectorAll(s)).some(e => visible(e) && e.innerText.includes(n))",
            &[json!(selector), json!(needle)],
        );
    }

    /// Waits until no element matching `selector` is visible (absent or hidden).
    pub fn wait_gone(&self, selector: &str) {
        self.poll_js(&format!("`{selector}` to be gone"), "s => first(s) === null", &[json!(selector)]);
    }

    /// The text (`innerText`) of the first visible element matching `selector`, once there is one.
    pub fn text(&self, selector: &str) -> String {
        let text =
            self.poll_js(&format!("a visible `{selector}`"), "s => first(s)?.innerText ?? null", &[json!(selector)]);
        text.as_str().unwrap_or_default().to_string()
    }

    /// Focuses a text field, clears it and types `text` into it, as a person would: the field
    /// sees `input` events, then one `change` event, and keeps the focus.
    pub fn fill(&self, selector: &str, text: &str) {
        let focused = self.poll_js(
            &format!("an editable `{selector}` to focus"),
            "s => { const e = first(s); if (!e || e.disabled || e.readOnly || !('value' in e) || e.tagName === 'SELECT') return null; \
             e.focus(); e.select(); return document.activeElement === e ? e.value : null; }",
            &[json!(selector)],
        );
        // Typing replaces the selected old value; an empty text deletes it instead.
        if text.is_empty() {
            if focused.as_str().is_some_and(|v| !v.is_empty()) {
                self.press("Backspace");
            }
        } else if let Err(e) = self.tab.send_character(text) {
            panic!("cannot type into `{selector}`: {e:#}");
        }
        let value = self.call(
            // Leaving the field sends `change` as the browser does; focus then comes back.
            "(s, t) => { const e = first(s); if (e?.value === t) { e.blur(); e.focus(); } return e?.value ?? null; }",
            &[json!(selector), json!(text)],
        );
        if value != text {
            self.fail(&format!("`{selector}` to hold {text:?} after typing (it holds {value})"));
        }
    }

    /// Focuses a `<select>` and picks its option whose value, or else whose text, is `value`
    /// (waiting for the option to be there), with the `input` and `change` events a person's
    /// choice sends.
    pub fn select(&self, selector: &str, value: &str) {
        self.poll_js(
            &format!("a visible `{selector}` with an option {value:?}"),
            "(s, v) => { const e = first(s); if (e?.tagName !== 'SELECT') return null; \
             const o = Array.from(e.options).find(o => o.value === v) ?? Array.from(e.options).find(o => o.text.trim() === v); \
             if (!o) return null; e.focus(); e.value = o.value; e.dispatchEvent(new Event('input', { bubbles: true })); \
             e.dispatchEvent(new Event('change', { bubbles: true })); return true; }",
            &[json!(selector), json!(value)],
        );
    }

    /// Clicks the middle of the first visible element matching `selector` with the mouse,
    /// once it is scrolled into view and nothing covers it.
    pub fn click(&self, selector: &str) {
        let at = self.poll_js(
            &format!("a visible, uncovered `{selector}` to click"),
            "s => { const e = first(s); if (!e) return null; e.scrollIntoView({ block: 'center', inline: 'center' }); \
             const r = e.getBoundingClientRect(); const x = r.left + r.width / 2, y = r.top + r.height / 2; \
             const hit = document.elementFromPoint(x, y); return hit && e.contains(hit) ? [x, y] : null; }",
            &[json!(selector)],
        );
        let (x, y) = (at[0].as_f64().unwrap_or_default(), at[1].as_f64().unwrap_or_default());
        for event in [MouseEvent::MousePressed, MouseEvent::MouseReleased] {
            let click = Input::DispatchMouseEvent {
                Type: event,
                x,
                y,
                button: Some(Input::MouseButton::Left),
                click_count: Some(1),
                modifiers: None,
                timestamp: None,
                buttons: None,
                force: None,
                tangential_pressure: None,
                tilt_x: None,
                tilt_y: None,
                twist: None,
                delta_x: None,
                delta_y: None,
                pointer_Type: None,
            };
            if let Err(e) = self.tab.call_method(click) {
                panic!("cannot click `{selector}`: {e:#}");
            }
        }
    }

    /// Presses and releases a key on the focused element: `"Enter"`, `"Tab"`, `"Escape"`,
    /// `"ArrowDown"`, `"a"`, …
    pub fn press(&self, key: &str) {
        if let Err(e) = self.tab.press_key(key) {
            panic!("cannot press {key:?}: {e:#}");
        }
    }

    /// Evaluates a JavaScript expression in the page, awaiting it when it is a promise, and
    /// answers its value as JSON (`undefined` is `null`). A thrown error fails the test.
    pub fn eval(&self, js: &str) -> Value {
        self.try_eval(js).unwrap_or_else(|e| panic!("evaluating `{}` failed: {e}", excerpt(js, 200)))
    }

    /// The page's address.
    pub fn url(&self) -> String {
        self.try_eval("location.href")
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| self.tab.get_url())
    }

    /// The cookies of the page's address.
    pub fn cookies(&self) -> Vec<Cookie> {
        self.tab.get_cookies().unwrap_or_else(|e| panic!("cannot read cookies: {e:#}"))
    }

    /// Writes what the window shows as a PNG to `path`, making its directory.
    pub fn screenshot(&self, path: &Path) {
        let png = self
            .tab
            .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
            .unwrap_or_else(|e| panic!("cannot take a screenshot: {e:#}"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot make {}: {e}", dir.display()));
        }
        std::fs::write(path, png).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// Evaluates `js` by value, awaiting promises; `Err` carries the thrown error.
    pub(super) fn try_eval(&self, js: &str) -> Result<Value, String> {
        let answer = self
            .tab
            .call_method(Runtime::Evaluate {
                expression: js.to_string(),
                object_group: None,
                include_command_line_api: None,
                silent: None,
                context_id: None,
                return_by_value: Some(true),
                generate_preview: None,
                user_gesture: Some(true),
                await_promise: Some(true),
                throw_on_side_effect: None,
                timeout: None,
                disable_breaks: None,
                repl_mode: None,
                allow_unsafe_eval_blocked_by_csp: None,
                unique_context_id: None,
                serialization_options: None,
            })
            .map_err(|e| format!("{e:#}"))?;
        if let Some(details) = answer.exception_details {
            let thrown = details.exception.and_then(|e| e.description).unwrap_or(details.text);
            return Err(thrown);
        }
        Ok(answer.result.value.unwrap_or(Value::Null))
    }

    /// Calls the JavaScript function `func` (which may use `visible` and `first`) with `args`.
    fn call(&self, func: &str, args: &[Value]) -> Value {
        self.eval(&script(func, args))
    }

    /// Polls `func(args…)` until it answers neither `null` nor `false`, and answers that.
    /// An evaluation that fails (say, while a navigation replaces the document) counts as not
    /// yet.
    fn poll_js(&self, what: &str, func: &str, args: &[Value]) -> Value {
        let js = script(func, args);
        self.poll(what, || self.try_eval(&js).ok().filter(|v| !v.is_null() && *v != false))
    }

    /// Calls `check` until it answers `Some`, at most until `TIMEOUT`.
    pub(super) fn poll<T>(&self, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(found) = check() {
                return found;
            }
            if Instant::now() >= deadline {
                self.fail(&format!("{what} (waited {} s)", TIMEOUT.as_secs()));
            }
            std::thread::sleep(POLL);
        }
    }

    /// Fails the test for want of `what`, with the page's address and text.
    pub(super) fn fail(&self, what: &str) -> ! {
        let text = self.try_eval("document.body?.innerText ?? ''").unwrap_or_else(|e| Value::String(format!("({e})")));
        let text = excerpt(text.as_str().unwrap_or_default(), 600);
        panic!("browser: expected {what}\n  at: {}\n  page text: {text}", self.url());
    }
}

/// An expression calling the JavaScript function `func` with `args` after the `PRELUDE`.
fn script(func: &str, args: &[Value]) -> String {
    let args: Vec<String> = args.iter().map(Value::to_string).collect();
    format!("(() => {{ {PRELUDE} return ({func})({}); }})()", args.join(", "))
}

/// The first `max` characters of `text`, marked when cut.
fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}
