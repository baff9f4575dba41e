//! Copy and export of IoCs: plain text (raw or defanged), the seed JSON, our CSV, a MISP
//! attribute CSV and a STIX 2.1 bundle. Only text for humans is defanged; machine formats
//! carry the raw value.
//!
//! **Spreadsheet formula injection.** Tag values come from malware, and CSVs get opened in
//! Excel. Every CSV cell that starts with `=`, `+`, `-`, `@`, TAB or CR gets a leading `'`
//! (OWASP "CSV injection"), unless the whole cell is a plain number such as `-1`, which a
//! spreadsheet shows as a number and cannot run. IPs, domains, URIs and ports never start with
//! those characters, so their raw value is never touched; the prefix lands only on free text
//! (user agents, e-mail subjects, odd e-mail local parts). A machine reader can undo it: a
//! leading `'` followed by one of those characters was added here.

use std::borrow::Cow;

use super::api::Verdict;
use super::ioc::{Ioc, IocSet};

mod defang;
mod stix;
#[cfg(test)]
mod tests;

pub use defang::{defang, refang};
pub use stix::{indicator_id, stix_pattern, to_stix};

/// One value per line, in the order given. When the values span several tag types, each
/// type's block opens with a `# <tag type>` line and blocks are separated by a blank line;
/// a single type gets no header, so the text pastes straight into a blocklist.
pub fn plain_text(iocs: &[&Ioc], defanged: bool) -> String {
    let mut types: Vec<&str> = Vec::new();
    for ioc in iocs {
        if !types.contains(&ioc.tag_type.as_str()) {
            types.push(&ioc.tag_type);
        }
    }
    let headed = types.len() > 1;
    let mut out = String::new();
    for (n, tag_type) in types.iter().enumerate() {
        if headed {
            if n > 0 {
                out.push('\n');
            }
            out.push_str(&format!("# {tag_type}\n"));
        }
        for ioc in iocs.iter().filter(|i| i.tag_type == *tag_type) {
            if defanged {
                out.push_str(&defang(&ioc.tag_type, &ioc.value));
            } else {
                out.push_str(&ioc.value);
            }
            out.push('\n');
        }
    }
    out
}

/// The seed scripts' `{tag_type: [values]}`, pretty-printed; every value, safelisted too.
pub fn to_json(set: &IocSet) -> String {
    serde_json::to_string_pretty(&set.seed_json()).expect("JSON values always serialize")
}

pub const CSV_HEADER: [&str; 8] = [
    "sid",
    "source_sha256",
    "tag_type",
    "value",
    "value_defanged",
    "verdict",
    "safelisted",
    "classification",
];

/// One row per (value, submission, source file) actually seen together; a value whose file
/// the server did not name gets one row per submission with an empty `source_sha256`.
pub fn to_csv(iocs: &[&Ioc]) -> String {
    let mut out = CsvOut::new(&CSV_HEADER);
    for ioc in iocs {
        let defanged = defang(&ioc.tag_type, &ioc.value);
        let safelisted = match (ioc.safelisted, ioc.safelist_known) {
            (true, _) => "true",
            (false, true) => "false",
            // Ontology-only: written before the server checks its safelist.
            (false, false) => "unknown",
        };
        for (sid, sha256) in &ioc.occurrences {
            out.row(&[
                sid,
                sha256,
                &ioc.tag_type,
                &ioc.value,
                &defanged,
                ioc.verdict.as_str(),
                safelisted,
                &ioc.classification,
            ]);
        }
    }
    out.finish()
}

pub const MISP_HEADER: [&str; 5] = ["value", "category", "type", "comment", "to_ids"];

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

/// `value,category,type,comment,to_ids`; values of types `misp_type` skips are left out.
/// `to_ids` is 1 when the verdict is suspicious or worse and the value is not safelisted.
pub fn to_misp_csv(iocs: &[&Ioc]) -> String {
    let mut out = CsvOut::new(&MISP_HEADER);
    for ioc in iocs {
        let Some(kind) = misp_type(&ioc.tag_type) else {
            continue;
        };
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
        out.row(&[&ioc.value, "Network activity", kind, &comment, to_ids]);
    }
    out.finish()
}

/// A CSV written to memory, every cell through the formula guard.
struct CsvOut(csv::Writer<Vec<u8>>);

impl CsvOut {
    fn new(header: &[&str]) -> CsvOut {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(header)
            .expect("writing to memory cannot fail");
        CsvOut(writer)
    }

    fn row(&mut self, cells: &[&str]) {
        let guarded = cells.iter().map(|cell| guard_cell(cell));
        self.0
            .write_record(guarded.map(|c| c.into_owned()))
            .expect("writing to memory cannot fail");
    }

    fn finish(self) -> String {
        let bytes = self.0.into_inner().expect("flushing to memory cannot fail");
        String::from_utf8(bytes).expect("every cell was a str")
    }
}

/// The formula-injection guard described at the top of this file.
fn guard_cell(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && all_digits(fraction)
}
