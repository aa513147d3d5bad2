//! The browser app (`assets/`, embedded in the binary): `/` answers the page, `/assets/<version>/…`
//! its scripts, styles and pictures. The version is a digest of every file, so those URLs
//! change with their content and may be cached for a year; the page itself is revalidated
//! (ETag) on each visit.

use std::sync::OnceLock;

use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::handlers::Reply;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

/// Where the versioned files are served.
const PREFIX: &str = "/assets/";

/// Answers a request outside the API: the page, or one of its files.
pub fn serve(method: &str, path: &str, request: &tiny_http::Request) -> Result<Reply, ApiError> {
    let reply = match path {
        "/" | "/index.html" => page(),
        _ => path.strip_prefix(PREFIX).and_then(file).ok_or(ApiError::NoRoute)?,
    };
    if method != "GET" {
        return Err(ApiError::MethodNotAllowed { allow: vec![crate::engine::Method::Get] });
    }
    let etag = reply.headers.iter().find(|(name, _)| *name == "ETag").map(|(_, value)| value.as_str());
    let fresh = request.header("If-None-Match").is_some_and(|sent| sent.split(',').any(|tag| Some(tag.trim()) == etag));
    if fresh {
        return Ok(Reply { status: 304, body: None, ..reply });
    }
    Ok(reply)
}

/// The page, with the version written into its file URLs and every module preloaded (so the
/// browser fetches them at once rather than import by import).
fn page() -> Reply {
    static PAGE: OnceLock<Vec<u8>> = OnceLock::new();
    let body = PAGE.get_or_init(|| {
        let template = Assets::get("index.html").map(|f| f.data.into_owned()).unwrap_or_default();
        let mut modules: Vec<_> =
            Assets::iter().filter(|name| name.ends_with(".js") && !name.starts_with("strings/de")).collect();
        modules.sort();
        let preload: Vec<String> =
            modules.iter().map(|name| format!("<link rel=\"modulepreload\" href=\"{{{{assets}}}}/{name}\">")).collect();
        let page = String::from_utf8_lossy(&template).replace("{{preload}}", &preload.join("\n"));
        page.replace("{{assets}}", &format!("{PREFIX}{}", version())).into_bytes()
    });
    Reply { status: 200, body: Some(body.clone()), content_type: "text/html; charset=utf-8", headers: Vec::new() }
        .with_header("ETag", format!("\"{}\"", version()))
        .with_header("Cache-Control", "no-cache".into())
}

/// `<version>/<file>`: the file, cached for a year when the version is the current one.
fn file(versioned: &str) -> Option<Reply> {
    let (asked, name) = versioned.split_once('/')?;
    if name == "index.html" {
        return None;
    }
    let file = Assets::get(name)?;
    let cache = if asked == version() { "public, max-age=31536000, immutable" } else { "no-cache" };
    let content_type = content_type(name);
    let reply = Reply { status: 200, body: Some(file.data.into_owned()), content_type, headers: Vec::new() };
    Some(
        reply
            .with_header("ETag", format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..12])))
            .with_header("Cache-Control", cache.into()),
    )
}

/// The content type of an asset, by its extension (text in UTF-8).
fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A digest of every embedded file.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut names: Vec<_> = Assets::iter().collect();
        names.sort();
        let mut digest = Sha256::new();
        for name in names {
            digest.update(name.as_bytes());
            if let Some(file) = Assets::get(&name) {
                digest.update(file.metadata.sha256_hash());
            }
        }
        hex::encode(&digest.finalize()[..6])
    })
}
