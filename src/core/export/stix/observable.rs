//! Which STIX 2.1 form a tag value takes: a cyber-observable object (with the spec's
//! deterministic id) plus the pattern that matches it, or only a pattern when STIX has a
//! property for the value but no object of its own.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::json;
use uuid::Uuid;

/// STIX 2.1 §2.9: the namespace of every cyber-observable's UUIDv5.
const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);

/// A value's STIX form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observable {
    /// (object type, value) of the cyber-observable object, when STIX has one.
    pub object: Option<(&'static str, String)>,
    pub pattern: String,
}

/// The STIX form of a value, or None when STIX cannot say it. Mapping:
/// - `*.ip` → `ipv4-addr`/`ipv6-addr` (a value that is neither address is left out);
/// - `*.domain` and `network.tls.sni` (the host name a TLS client asked for) → `domain-name`;
/// - `*.uri` → `url`; `network.email.address` → `email-addr`;
/// - `network.mac_address` → `mac-addr`, written as STIX requires (lowercase, colons);
/// - pattern only: `network.port` (`network-traffic` needs a source or destination object,
///   and AL does not say which end the port was: either matches), `*.uri_path` and
///   `network.user_agent` (the `http-request-ext` request line and header),
///   `network.email.subject` and `network.email.msg_id` (`email-message`);
/// - left out: JA3/JA3S/JA4 hashes and strings (STIX has no TLS fingerprint property),
///   `unc_path`, `protocol`, `attack`, `signature.*`, `email.date` (not indicators of a
///   network object). They stay in the JSON and CSV exports.
pub fn observable(tag_type: &str, value: &str) -> Option<Observable> {
    let network = |suffix: &str| tag_type.starts_with("network.") && tag_type.ends_with(suffix);
    let object = |kind: &'static str, value: String| {
        let pattern = format!("[{kind}:value = {}]", quote(&value));
        Some(Observable {
            object: Some((kind, value)),
            pattern,
        })
    };
    let pattern = |pattern: String| {
        Some(Observable {
            object: None,
            pattern,
        })
    };
    match tag_type {
        _ if network(".ip") => {
            if value.parse::<Ipv4Addr>().is_ok() {
                object("ipv4-addr", value.to_string())
            } else if value.parse::<Ipv6Addr>().is_ok() {
                object("ipv6-addr", value.to_string())
            } else {
                None
            }
        }
        _ if network(".domain") || tag_type == "network.tls.sni" => {
            object("domain-name", value.to_string())
        }
        _ if network(".uri") => object("url", value.to_string()),
        "network.email.address" => object("email-addr", value.to_string()),
        "network.mac_address" => object("mac-addr", mac_48(value)?),
        "network.port" => {
            let port = value.trim().parse::<u16>().ok().filter(|p| *p > 0)?;
            pattern(format!(
                "[network-traffic:dst_port = {port} OR network-traffic:src_port = {port}]"
            ))
        }
        _ if network(".uri_path") => pattern(format!(
            "[network-traffic:extensions.'http-request-ext'.request_value = {}]",
            quote(value)
        )),
        "network.user_agent" => pattern(format!(
            "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = {}]",
            quote(value)
        )),
        "network.email.subject" => pattern(format!("[email-message:subject = {}]", quote(value))),
        "network.email.msg_id" => pattern(format!("[email-message:message_id = {}]", quote(value))),
        _ => None,
    }
}

/// `type--UUIDv5(namespace, canonical JSON of the ID contributing properties)` (STIX 2.1
/// §2.9); for the objects written here that property is `value` alone. serde_json writes a
/// one-key object exactly as RFC 8785 canonical JSON does (no spaces, the same escapes).
pub fn object_id(kind: &str, value: &str) -> String {
    let canonical = json!({ "value": value }).to_string();
    format!(
        "{kind}--{}",
        Uuid::new_v5(&SCO_NAMESPACE, canonical.as_bytes())
    )
}

/// A STIX pattern string literal: quotes and backslashes escaped.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A MAC-48 address in the one form STIX allows (`00:1a:…`, lowercase, leading zeros), from
/// colon- or hyphen-separated input; None for anything else.
fn mac_48(value: &str) -> Option<String> {
    let parts: Vec<&str> = value.trim().split([':', '-']).collect();
    let hex_pair = |p: &&str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit());
    (parts.len() == 6 && parts.iter().all(hex_pair)).then(|| parts.join(":").to_lowercase())
}
