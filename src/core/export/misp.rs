//! MISP attribute CSV, written for MISP's "CSV Import" (misp-modules
//! `import_mod/csvimport.py`), not for spreadsheets: no formula guard, since MISP would store
//! the guard's `'` as part of the value.
//!
//! What that importer does to a file, and how this export meets it:
//! - It drops every row whose first cell starts with `#` as a comment (`__standard_parsing`):
//!   the first column is `category`, which never does, so a value such as `#1 offer` stays.
//! - It strips spaces around every cell, and reads `\r` as a line break: values with either
//!   would be stored changed, so they are left out and listed.
//! - MISP then runs its attribute validation (pymisp `tools/attributevalidationtool.py`,
//!   `AttributeValidationTool.modifyBeforeValidation` and `validate`, a port of MISP's own):
//!   values it would refuse, or change beyond case and notation (refanging, `?` for characters
//!   beyond U+FFFF, a MAC with more digits cut short), are left out and listed too.
//!
//! The file's first line is its header: MISP's import needs "has_header" ticked.

use super::CsvOut;
use crate::core::api::Verdict;
use crate::core::ioc::Ioc;

#[cfg(test)]
mod tests;

pub const MISP_HEADER: [&str; 5] = ["category", "type", "value", "comment", "to_ids"];

/// The MISP attribute type for a tag type (all in category "Network activity"), or None when
/// MISP has no fitting type there. Choices:
/// - IPs → `ip-dst`: AL finds addresses the sample talks to.
/// - e-mail addresses → `email`: AL cannot tell sender from recipient, and MISP made `email`
///   for exactly that (`email-src`/`email-dst` claim a direction).
/// - `tls.sni` → `domain`, like AL's domain tags, which also hold full host names.
/// - Skipped: `ja3s_hash`, `ja4*`, `ja3*_string` (MISP has only client JA3 MD5), `unc_path`,
///   `protocol`, `attack`, `signature.*`, `email.date`, `email.msg_id` (not in Network
///   activity) — they stay in our own CSV.
pub fn misp_type(tag_type: &str) -> Option<&'static str> {
    let suffix = |s: &str| tag_type.starts_with("network.") && tag_type.ends_with(s);
    Some(match tag_type {
        _ if suffix(".ip") => "ip-dst",
        _ if suffix(".domain") => "domain",
        _ if suffix(".uri") => "url",
        _ if suffix(".uri_path") => "uri",
        "network.email.address" => "email",
        "network.email.subject" => "email-subject",
        "network.port" => "port",
        "network.user_agent" => "user-agent",
        "network.mac_address" => "mac-address",
        "network.tls.sni" => "domain",
        "network.tls.ja3_hash" => "ja3-fingerprint-md5",
        _ => return None,
    })
}

/// A value MISP's import would drop, refuse or change, and why in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOut {
    pub tag_type: String,
    pub value: String,
    pub reason: &'static str,
}

pub struct MispCsv {
    pub text: String,
    /// Attributes written (rows after the header).
    pub rows: usize,
    pub left_out: Vec<LeftOut>,
}

/// `category,type,value,comment,to_ids`; values of types `misp_type` skips are not written
/// (and not listed: they are no MISP attribute at all). `to_ids` is 1 when the verdict is
/// suspicious or worse and the value is not safelisted.
pub fn to_misp_csv(iocs: &[&Ioc]) -> MispCsv {
    let mut out = CsvOut::new(&MISP_HEADER, false);
    let mut left_out = Vec::new();
    let mut rows = 0;
    for ioc in iocs {
        let Some(kind) = misp_type(&ioc.tag_type) else {
            continue;
        };
        if let Some(reason) = misp_refusal(kind, &ioc.value) {
            left_out.push(LeftOut {
                tag_type: ioc.tag_type.clone(),
                value: ioc.value.clone(),
                reason,
            });
            continue;
        }
        let sids: Vec<&str> = ioc.sids.iter().map(String::as_str).collect();
        let mut comment = format!("AL sid={} verdict={}", sids.join(","), ioc.verdict.as_str());
        if ioc.safelisted {
            comment.push_str(" safelisted");
        }
        let to_ids = if ioc.verdict >= Verdict::Suspicious && !ioc.safelisted {
            "1"
        } else {
            "0"
        };
        out.row(&["Network activity", kind, &ioc.value, &comment, to_ids]);
        rows += 1;
    }
    MispCsv {
        text: out.finish(),
        rows,
        left_out,
    }
}

/// Why MISP would not store this value as it is, or None when it would (perhaps in its own
/// case or notation: lowercase domains and e-mail addresses, punycode, a compressed IPv6).
pub fn misp_refusal(kind: &str, value: &str) -> Option<&'static str> {
    if value.trim().is_empty() {
        return Some("empty");
    }
    if value.trim() != value {
        return Some("spaces at the start or end, which MISP's import removes");
    }
    if value.contains(['\r', '\n']) {
        return Some("a line break, which MISP refuses in a value");
    }
    if value.chars().any(|c| c as u32 > 0xFFFF) {
        return Some("characters beyond U+FFFF, which MISP stores as '?'");
    }
    if refangs(kind, value) {
        return Some("text MISP reads as defanged ([.], hxxp, …) and would change");
    }
    let lower = value.to_lowercase();
    let ok = match kind {
        "ip-dst" => is_ip_or_cidr(value),
        "domain" => is_domain(lower.trim_matches('.')),
        "email" => is_email(&lower),
        "port" => {
            value.bytes().all(|b| b.is_ascii_digit())
                && value.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p))
        }
        "mac-address" => value.chars().filter(char::is_ascii_hexdigit).count() == 12,
        "ja3-fingerprint-md5" => value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()),
        _ => true,
    };
    (!ok).then_some(match kind {
        "ip-dst" => "not an IP address",
        "domain" => "not a domain name as MISP checks it",
        "email" => "not an e-mail address as MISP checks it",
        "port" => "not a port number from 1 to 65535",
        "mac-address" => "not a MAC address (12 hex digits)",
        _ => "not a JA3 fingerprint (32 hex digits)",
    })
}

/// MISP's refang rules for these types (`REFANG_REGEX_TABLE`), case-insensitive.
fn refangs(kind: &str, value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let dots = ["[.]", "[dot]", "(dot)"].iter().any(|t| lower.contains(t));
    match kind {
        "url" => {
            dots || lower.contains("[hxxp://]")
                || lower.contains("[:]")
                || ["hxxp", "hxtp", "htxp", "meow", "h[tt]p"]
                    .iter()
                    .any(|p| lower.starts_with(p))
        }
        "ip-dst" | "domain" => dots,
        "email" => dots || lower.contains("[@]") || lower.contains("[at]"),
        _ => false,
    }
}

fn is_ip_or_cidr(value: &str) -> bool {
    let (address, length) = match value.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (value, None),
    };
    let Ok(ip) = address.parse::<std::net::IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    length.is_none_or(|l| {
        l.bytes().all(|b| b.is_ascii_digit()) && l.parse::<u32>().is_ok_and(|l| l <= max)
    })
}

/// MISP's domain pattern `^[A-Z0-9.\-_]+\.[A-Z0-9\-]{2,}$` (case-insensitive). A name with
/// other letters MISP first turns into punycode, which this core cannot do (no IDNA tables in
/// the page), so such a name passes when its labels are otherwise sound.
fn is_domain(name: &str) -> bool {
    if !name.is_ascii() {
        return !name.is_empty()
            && name.contains('.')
            && !name.contains(|c: char| c.is_whitespace() || "/@:?#[]\\".contains(c));
    }
    let Some((head, tld)) = name.rsplit_once('.') else {
        return false;
    };
    let head_ok = !head.is_empty()
        && head
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    let tld_ok = tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    head_ok && tld_ok
}

/// MISP's e-mail pattern `^.[^\s]*\@.*\..*$`: a first character, then no white space up to an
/// `@` that has a `.` somewhere after it.
fn is_email(value: &str) -> bool {
    let mut chars = value.char_indices();
    if chars.next().is_none() {
        return false;
    }
    for (i, c) in chars {
        if c == '@' && value[i + 1..].contains('.') {
            return true;
        }
        if c.is_whitespace() {
            return false;
        }
    }
    false
}
