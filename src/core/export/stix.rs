//! STIX 2.1: a bundle that passes the OASIS validator in strict and interop modes, and that a
//! threat intelligence platform can take again and again without contradictions.
//!
//! **Ids and times.** A STIX object id names one object in all its versions, and every
//! version keeps the id's `created`. So:
//! - Cyber-observable objects (`domain-name`, `ipv4-addr`, …) carry the spec's deterministic
//!   UUIDv5 and no times: every export of a value gives the same object, from anyone.
//! - Indicators get a fresh UUIDv4 (from the browser's random source) and `created` =
//!   `modified` = `valid_from` = the export time. An indicator is the analyst's assertion at
//!   that moment; a stable id would need a stable `created`, and neither the page nor
//!   Assemblyline's summary keeps a date for it (a date that changed per export is exactly
//!   the contradiction TIPs and the `stix2` library refuse).
//! - The exporting user's identity has a stable id, so every export names the same creator:
//!   a UUIDv4 whose random bits are SHA-256(server origin, user name) (pseudo-random, as
//!   UUIDv4 allows; STIX asks SDOs for v4), and a fixed `created`, because its content
//!   depends on nothing else.
//! - AL Collector's own identity and the extension definition below are constants.
//!
//! **Interop.** Interop mode wants `created_by_ref` on every object, observables included,
//! where STIX 2.1 has no such property; the spec's way to add one is a top-level property
//! extension, defined once here (created by AL Collector).

mod bundle;
mod observable;
#[cfg(test)]
mod tests;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Builder;

use crate::core::api::Verdict;
use crate::core::ioc::Ioc;

use bundle::Merged;
pub use bundle::StixWriter;
pub use observable::{object_id, observable};

/// The day this scheme of fixed objects was defined: the `created` of every object whose
/// content never changes (AL Collector's identity, the extension, users' identities).
const FIXED_CREATED: &str = "2026-11-30T00:00:00.000Z";
/// AL Collector as a producer (a random v4, fixed once: changing it renames the producer).
const PRODUCER_ID: &str = "identity--ab3966aa-bcca-4208-89ec-bd05a8987a30";
/// The extension that lets cyber-observables carry `created_by_ref` (fixed like the above).
const EXTENSION_ID: &str = "extension-definition--a67f0ce9-f335-4b5b-8e16-ebd5a49e3337";

/// Who exports, and when.
pub struct StixExport<'a> {
    /// A STIX timestamp: UTC with `Z`, e.g. `2026-05-01T12:00:00.000Z` (the core has no clock).
    pub now: &'a str,
    /// The Assemblyline user name, and the origin of the server it belongs to.
    pub user: &'a str,
    pub server: &'a str,
}

/// The exporting user's identity id: stable over (server, user); see the top of this file.
pub fn user_identity_id(server: &str, user: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(b"AL Collector identity\x1f");
    hash.update(server.as_bytes());
    hash.update(b"\x1f");
    hash.update(user.as_bytes());
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    format!(
        "identity--{}",
        Builder::from_random_bytes(bytes).into_uuid()
    )
}

/// A pretty-printed bundle. `random` gives 16 random bytes per call (indicator and bundle
/// ids). Values are raw, never defanged. Values STIX cannot express are left out; see
/// [`observable`]. The same bytes as a [`StixWriter`] fed every value.
pub fn to_stix(iocs: &[&Ioc], export: &StixExport, random: &mut dyn FnMut() -> [u8; 16]) -> String {
    let mut writer = StixWriter::new(export);
    for &ioc in iocs {
        writer.add(ioc);
    }
    writer.write_indicators(usize::MAX, random);
    let (opening, rest) = writer.finish(random);
    opening + &rest
}

fn producer() -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": PRODUCER_ID,
        "created_by_ref": PRODUCER_ID,
        "created": FIXED_CREATED,
        "modified": FIXED_CREATED,
        "name": "AL Collector",
        "description": "Exports network IoCs from Assemblyline 4 submissions.",
        "identity_class": "system",
    })
}

fn extension() -> Value {
    json!({
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": EXTENSION_ID,
        "created_by_ref": PRODUCER_ID,
        "created": FIXED_CREATED,
        "modified": FIXED_CREATED,
        "name": "Cyber-observable producer",
        "description": "Adds the common property created_by_ref (the identity that reported \
                        the observable) to cyber-observable objects, which STIX 2.1 gives none.",
        "schema": "created_by_ref: identifier of an identity object, as the STIX 2.1 common \
                   property of that name.",
        "version": "1.0.0",
        "extension_types": ["toplevel-property-extension"],
        "extension_properties": ["created_by_ref"],
    })
}

fn user_identity(id: &str, export: &StixExport) -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": id,
        "created_by_ref": PRODUCER_ID,
        "created": FIXED_CREATED,
        "modified": FIXED_CREATED,
        "name": export.user,
        "description": format!("Assemblyline user {} on {}.", export.user, export.server),
        "identity_class": "individual",
    })
}

/// Attributed to AL Collector rather than the user, so the object is the same whoever
/// exports the value and TIPs merge it by id.
fn cyber_observable(kind: &str, value: &str, id: &str) -> Value {
    json!({
        "type": kind,
        "spec_version": "2.1",
        "id": id,
        "value": value,
        "created_by_ref": PRODUCER_ID,
        "extensions": { EXTENSION_ID: { "extension_type": "toplevel-property-extension" } },
    })
}

/// `indicator-type-ov`: "benign" for what the safelist or a safe verdict cleared,
/// "malicious-activity" from suspicious up (the same line as MISP `to_ids`), "unknown" for
/// info, which only says a service saw the value.
fn indicator_type(verdict: Verdict, safelisted: bool) -> &'static str {
    if safelisted || verdict == Verdict::Safe {
        "benign"
    } else if verdict >= Verdict::Suspicious {
        "malicious-activity"
    } else {
        "unknown"
    }
}

fn indicator(m: &Merged, id: &str, creator: &str, now: &str) -> Value {
    let join = |set: &std::collections::BTreeSet<String>| {
        set.iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let files = join(&m.files);
    let description = format!(
        "Assemblyline {} (verdict {}{}). Submissions: {}. Source files (sha256): {}.",
        m.tag_types.join(", "),
        m.verdict.as_str(),
        if m.safelisted { ", safelisted" } else { "" },
        join(&m.sids),
        if files.is_empty() {
            "unknown"
        } else {
            files.as_str()
        },
    );
    let mut labels = vec![m.verdict.as_str()];
    if m.safelisted {
        labels.push("safelisted");
    }
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created_by_ref": creator,
        "created": now,
        "modified": now,
        "valid_from": now,
        "name": m.name,
        "description": description,
        "indicator_types": [indicator_type(m.verdict, m.safelisted)],
        "pattern": m.pattern,
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "labels": labels,
    })
}
