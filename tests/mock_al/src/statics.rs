//! Serves a built page (`--dist`) on the same origin as `/api/`, as an AL operator would.

use std::path::{Component, Path, PathBuf};

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The file for a URL path, refusing anything that could leave `dist`.
pub fn resolve(dist: &Path, url_path: &str) -> Option<PathBuf> {
    let rel = crate::util::percent_decode(url_path.trim_start_matches('/'));
    let rel = Path::new(&rel);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut p = dist.join(rel);
    if p.is_dir() {
        p = p.join("index.html");
    }
    p.is_file().then_some(p)
}

pub fn read(dist: &Path, url_path: &str) -> Option<(Vec<u8>, &'static str)> {
    let p = resolve(dist, url_path)?;
    let bytes = std::fs::read(&p).ok()?;
    Some((bytes, content_type(&p)))
}
