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
/// - `*.uri` → `url`, percent-encoded where RFC 3986 (which STIX requires) allows no
///   character as is (`<`, spaces, non-ASCII, …): the URI a browser requests for that text;
///   a value with no scheme is no URL and is left out; `network.email.address` → `email-addr`;
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
        _ if network(".uri") => object("url", uri_form(value)?),
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

/// The RFC 3986 form of a URL as AL saw it: every character a URI cannot hold as is becomes
/// `%XX` of its UTF-8 bytes (a `%` that starts no escape too, a second `#`, brackets outside
/// the host). None when the text has no scheme (`http:`, …).
fn uri_form(value: &str) -> Option<String> {
    let (scheme, rest) = value.split_once(':')?;
    let mut letters = scheme.bytes();
    let scheme_ok = letters.next().is_some_and(|b| b.is_ascii_alphabetic())
        && letters.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    if !scheme_ok {
        return None;
    }
    // The host, where `[` `]` enclose an IPv6 address, runs from `//` to the next `/?#`.
    let host_end = rest
        .strip_prefix("//")
        .map(|after| 2 + after.find(['/', '?', '#']).unwrap_or(after.len()));
    let mut out = format!("{scheme}:");
    let mut seen_fragment = false;
    let bytes = rest.as_bytes();
    for (i, c) in rest.char_indices() {
        let in_host = host_end.is_some_and(|end| i >= 2 && i < end);
        let escape_start = c == '%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        let keep = match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' => true,
            '-' | '.' | '_' | '~' | '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | ';'
            | '=' | ':' | '@' | '/' | '?' => true,
            '%' => escape_start,
            '#' => !std::mem::replace(&mut seen_fragment, true),
            '[' | ']' => in_host,
            _ => false,
        };
        if keep {
            out.push(c);
        } else {
            let mut utf8 = [0u8; 4];
            for b in c.encode_utf8(&mut utf8).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    Some(out)
}
