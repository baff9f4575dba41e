//! STIX 2.1: a bundle with one `indicator` per IP, domain, URI or e-mail address.
//!
//! Ids are UUIDv5 (the spec asks SDOs for v4 only as a SHOULD), so exporting the same value
//! again yields the same indicator id and consumers see an update, not a duplicate. `created`
//! is the export time, because the page keeps no record of earlier exports.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::core::api::Verdict;
use crate::core::ioc::Ioc;

#[cfg(test)]
mod tests;

/// The v5 namespace of every id this page writes. Changing it changes every id ever exported.
const NAMESPACE: Uuid = Uuid::from_u128(0xc85f5902_d683_4ebf_be54_29d92d850b48);

/// The STIX pattern for a value, or None for types with no fitting cyber-observable
/// (ports, paths, user agents, TLS hashes: these go to CSV and MISP instead).
pub fn stix_pattern(tag_type: &str, value: &str) -> Option<String> {
    let object_path = if tag_type.ends_with(".ip") {
        if value.contains(':') {
            "ipv6-addr:value"
        } else {
            "ipv4-addr:value"
        }
    } else if tag_type.ends_with(".domain") {
        "domain-name:value"
    } else if tag_type.ends_with(".uri") {
        "url:value"
    } else if tag_type == "network.email.address" {
        "email-addr:value"
    } else {
        return None;
    };
    let quoted = value.replace('\\', "\\\\").replace('\'', "\\'");
    Some(format!("[{object_path} = '{quoted}']"))
}

/// Stable over (tag type, value); the unit separator cannot occur in either.
pub fn indicator_id(tag_type: &str, value: &str) -> String {
    let name = format!("{tag_type}\u{1f}{value}");
    format!("indicator--{}", Uuid::new_v5(&NAMESPACE, name.as_bytes()))
}

/// `indicator-type-ov`: "benign" for what the safelist or a negative score cleared,
/// "malicious-activity" from suspicious up (the same line as MISP `to_ids`), "unknown" for
/// info, which only says a service saw the value.
fn indicator_type(ioc: &Ioc) -> &'static str {
    if ioc.safelisted || ioc.verdict == Verdict::Safe {
        "benign"
    } else if ioc.verdict >= Verdict::Suspicious {
        "malicious-activity"
    } else {
        "unknown"
    }
}

fn indicator(ioc: &Ioc, pattern: String, id: &str, now: &str) -> Value {
    let mut labels = vec![ioc.verdict.as_str()];
    if ioc.safelisted {
        labels.push("safelisted");
    }
    let join = |set: &BTreeSet<String>| {
        set.iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let files = if ioc.files.is_empty() {
        "unknown".to_string()
    } else {
        join(&ioc.files)
    };
    let description = format!(
        "Assemblyline {} (verdict {}{}). Submissions: {}. Source files (sha256): {}.",
        ioc.tag_type,
        ioc.verdict.as_str(),
        if ioc.safelisted { ", safelisted" } else { "" },
        join(&ioc.sids),
        files
    );
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": now,
        "modified": now,
        "valid_from": now,
        "name": ioc.value,
        "description": description,
        "indicator_types": [indicator_type(ioc)],
        "pattern": pattern,
        "pattern_type": "stix",
        "labels": labels,
    })
}

/// A pretty-printed bundle. `now_rfc3339` must be a STIX timestamp (UTC, `Z`, e.g.
/// `2026-05-01T12:00:00.000Z`); the core has no clock. Values are raw, never defanged. The
/// bundle id is derived from the sorted indicator ids, so the same set gives the same bundle.
pub fn to_stix(iocs: &[&Ioc], now_rfc3339: &str) -> String {
    let mut ids = BTreeSet::new();
    let mut objects = Vec::new();
    for ioc in iocs {
        let Some(pattern) = stix_pattern(&ioc.tag_type, &ioc.value) else {
            continue;
        };
        let id = indicator_id(&ioc.tag_type, &ioc.value);
        if ids.insert(id.clone()) {
            objects.push(indicator(ioc, pattern, &id, now_rfc3339));
        }
    }
    let all_ids = ids.into_iter().collect::<Vec<_>>().join("\n");
    let bundle = json!({
        "type": "bundle",
        "id": format!("bundle--{}", Uuid::new_v5(&NAMESPACE, all_ids.as_bytes())),
        "objects": objects,
    });
    serde_json::to_string_pretty(&bundle).expect("JSON values always serialize")
}
