//! Display order, as the Assemblyline UI uses it (`AutoHideTagList.tsx`): worst verdict first
//! and safelisted values last (`index.rs` keeps that order), then a per-type key, computed
//! once when a value is first seen, so moving a value after a merge never re-parses it.

use std::net::IpAddr;

use url::{Host, Url};

use super::suffixes::SuffixList;

#[cfg(test)]
mod tests;

/// Tag types AL lists first, in its order; every other type follows alphabetically.
const TYPE_ORDER: [&str; 7] = [
    "network.static.ip",
    "network.dynamic.ip",
    "network.static.domain",
    "network.dynamic.domain",
    "network.static.uri",
    "network.dynamic.uri",
    "network.email.address",
];

pub(super) fn type_rank(tag_type: &str) -> (usize, &str) {
    let known = TYPE_ORDER.iter().position(|t| *t == tag_type);
    (known.unwrap_or(TYPE_ORDER.len()), tag_type)
}

/// The order-relevant part of a value, derived from the value alone.
///
/// `bucket` puts values that did not parse after those that did; `group` is the registrable
/// domain the UI draws a pill for; `within` holds reversed labels joined by NUL, which sorts
/// like comparing the label lists (NUL is below every character a label can hold).
///
/// Without the public suffix list (it could not be loaded; the IoC view says so) a host's
/// group is its reversed labels: names still sort right to left, so a site's hosts stay
/// together, but sites come in top-level-domain order ("zeta.com" before "example.co.uk").
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct ValueKey {
    bucket: u8,
    num: u128,
    group: String,
    within: String,
    tail: String,
}

impl ValueKey {
    pub(super) fn new(tag_type: &str, value: &str, suffixes: Option<&SuffixList>) -> ValueKey {
        let text = value.trim();
        let unparsed = ValueKey {
            bucket: 9,
            ..ValueKey::default()
        };
        if tag_type.ends_with(".ip") {
            return match text.parse::<IpAddr>() {
                Ok(IpAddr::V4(ip)) => ValueKey {
                    num: u32::from(ip).into(),
                    ..ValueKey::default()
                },
                Ok(IpAddr::V6(ip)) => ValueKey {
                    bucket: 1,
                    num: ip.into(),
                    ..ValueKey::default()
                },
                Err(_) => unparsed,
            };
        }
        if tag_type.ends_with(".domain") || tag_type == "network.tls.sni" {
            let (group, within) = domain_key(text, suffixes);
            return ValueKey {
                group,
                within,
                ..ValueKey::default()
            };
        }
        if tag_type.ends_with(".uri") {
            return match Url::parse(text).ok().as_ref().and_then(Url::host) {
                Some(Host::Domain(host)) => ValueKey {
                    group: domain_key(host, suffixes).0,
                    ..ValueKey::default()
                },
                Some(Host::Ipv4(ip)) => ValueKey {
                    group: ip.to_string(),
                    ..ValueKey::default()
                },
                Some(Host::Ipv6(ip)) => ValueKey {
                    group: ip.to_string(),
                    ..ValueKey::default()
                },
                // The page's url crate is built without Unicode IDNA tables (47 KB of the
                // page): a host in Unicode is read from the text itself.
                None => match unicode_host(text) {
                    Some(host) => ValueKey {
                        group: domain_key(host, suffixes).0,
                        ..ValueKey::default()
                    },
                    // mailto:, data: and friends have no host to group by.
                    None => unparsed,
                },
            };
        }
        if tag_type == "network.email.address" {
            return match text.rsplit_once('@') {
                Some((local, domain)) => {
                    let (group, within) = domain_key(domain, suffixes);
                    ValueKey {
                        group,
                        within,
                        tail: local.to_lowercase(),
                        ..ValueKey::default()
                    }
                }
                None => unparsed,
            };
        }
        if tag_type == "network.port" {
            // Numeric, so 80 comes before 443; plain text order would reverse them.
            return match text.parse::<u32>() {
                Ok(port) => ValueKey {
                    num: port.into(),
                    ..ValueKey::default()
                },
                Err(_) => unparsed,
            };
        }
        ValueKey::default()
    }
}

/// The host of `scheme://[user@]host[:port]/…` when it is not plain ASCII.
fn unicode_host(uri: &str) -> Option<&str> {
    let authority = uri.split_once("://")?.1.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => host_port,
    };
    (!host.is_ascii() && !host.is_empty()).then_some(host)
}

/// (registrable domain, reversed labels) of a host name.
fn domain_key(host: &str, suffixes: Option<&SuffixList>) -> (String, String) {
    let mut name = host.trim_end_matches('.').to_lowercase();
    // AL stores domains in Unicode but the url crate hands URI hosts back in punycode: both
    // spellings of one name must land in one group.
    if name.split('.').any(|label| label.starts_with("xn--")) {
        let unicode = url::quirks::domain_to_unicode(&name);
        if !unicode.is_empty() {
            name = unicode;
        }
    }
    let within = name.rsplit('.').collect::<Vec<_>>().join("\0");
    // psl would call "3.4" the registrable part of 1.2.3.4; an IP is its own group. A public
    // suffix alone ("co.uk") or a bare label ("localhost") has no registrable part either.
    let group = match (name.parse::<IpAddr>(), suffixes) {
        (Ok(_), _) => name.clone(),
        (Err(_), Some(list)) => list.registrable(&name).unwrap_or(&name).to_string(),
        (Err(_), None) => within.clone(),
    };
    (group, within)
}
