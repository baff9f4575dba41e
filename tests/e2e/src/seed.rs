//! What the seed exercise-2 script would collect, and reading back what the page saved.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use mock_al::Dataset;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Exercise 2's algorithm, over the raw `/submission/full/` answers of the submissions the
/// search `max_score:>=threshold` returns: sum `result.score` per sha256, keep ≥ threshold.
pub fn seed_selection(data: &Dataset, threshold: i64) -> BTreeSet<String> {
    let mut chosen = BTreeSet::new();
    for sid in data.sids() {
        if data.max_score(&sid).unwrap() < threshold {
            continue;
        }
        let full = data.submission_full_json(&sid).unwrap();
        let mut scores: BTreeMap<String, i64> = BTreeMap::new();
        for result in full["results"].as_object().unwrap().values() {
            let sha = result["sha256"].as_str().unwrap().to_string();
            *scores.entry(sha).or_default() += result["result"]["score"].as_i64().unwrap();
        }
        chosen.extend(
            scores
                .into_iter()
                .filter(|(_, s)| *s >= threshold)
                .map(|(sha, _)| sha),
        );
    }
    chosen
}

/// The selection less the files whose blob the server lacks: what a zip can hold.
pub fn downloadable(data: &Dataset, selection: &BTreeSet<String>) -> BTreeSet<String> {
    selection
        .iter()
        .filter(|sha| data.file_bytes(sha).is_some())
        .cloned()
        .collect()
}

pub fn read_entry(zip: &mut zip::ZipArchive<std::fs::File>, name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} missing from the zip"))
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// One entry of the zip at `path`.
pub fn zip_entry(path: &Path, name: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap())
        .unwrap_or_else(|e| panic!("{} is not a zip: {e}", path.display()));
    read_entry(&mut zip, name)
}

/// The sha256 of `bytes` in lower-case hex, as Assemblyline names files.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Python's `zipfile`, a reader that shares no code with the page's writer, opens the zip and
/// every CRC checks.
pub fn independent_reader_accepts(path: &Path) {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nbad = zipfile.ZipFile(sys.argv[1]).testzip()\nsys.exit(1 if bad else 0)",
        ])
        .arg(path)
        .output()
        .expect("python3 runs (the machine's CPython)");
    assert!(
        out.status.success(),
        "Python's zipfile refused {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A saved zip: the sha256s of its cARTs (each checked to decode to the server's bytes) and
/// its manifest.json; the zip also passes an independent reader.
pub fn open_zip(path: &Path, data: &Dataset) -> (BTreeSet<String>, Value) {
    independent_reader_accepts(path);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let carts: BTreeSet<String> = zip
        .file_names()
        .filter_map(|n| n.ok()?.strip_suffix(".cart").map(str::to_string))
        .collect();
    for sha in &carts {
        let cart = read_entry(&mut zip, &format!("{sha}.cart"));
        let mut plain = Vec::new();
        cart_container::unpack_stream(&cart[..], &mut plain, None).unwrap();
        assert!(
            plain == data.file_bytes(sha).unwrap(),
            "{sha}.cart does not decode to the server's bytes"
        );
    }
    let manifest = serde_json::from_slice(&read_entry(&mut zip, "manifest.json")).unwrap();
    (carts, manifest)
}

/// `manifest.json`'s failures as (sha256 or sids, reason).
pub fn failures(manifest: &Value) -> Vec<(String, String)> {
    manifest["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let what = match f["sha256"].as_str() {
                Some(sha) if !sha.is_empty() => sha.to_string(),
                _ => f["sids"].to_string(),
            };
            let reason = f["reason"].as_str();
            let reason = reason.unwrap_or_else(|| panic!("a failure without its reason: {f}"));
            (what, reason.to_string())
        })
        .collect()
}
