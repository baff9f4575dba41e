//! Copy and export of IoCs: plain text (raw or defanged), the seed JSON, our CSV, a MISP
//! attribute CSV and a STIX 2.1 bundle. Only text for humans is defanged; machine formats
//! carry the raw value.
//!
//! **Spreadsheet formula injection** (our CSV only; the MISP CSV is for MISP, see `misp.rs`).
//! Tag values come from malware, and CSVs get opened in
//! Excel. Every CSV cell that starts with `=`, `+`, `-`, `@`, TAB or CR gets a leading `'`
//! (OWASP "CSV injection"), unless the whole cell is a plain number such as `-1`, which a
//! spreadsheet shows as a number and cannot run. IPs, domains, URIs and ports never start with
//! those characters, so their raw value is never touched; the prefix lands only on free text
//! (user agents, e-mail subjects, odd e-mail local parts). A machine reader can undo it: a
//! leading `'` followed by one of those characters was added here.

use std::borrow::Cow;

use super::ioc::{Ioc, IocSet};

mod defang;
mod misp;
mod stix;
#[cfg(test)]
mod tests;

pub use defang::defang;
pub use misp::{misp_refusal, misp_type, to_misp_csv, LeftOut, MispCsv, MISP_HEADER};
pub use stix::{to_stix, StixExport, StixWriter};

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
    let mut out = CsvOut::new(&CSV_HEADER, true);
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

/// A CSV written to memory; for spreadsheets every cell goes through the formula guard.
struct CsvOut {
    writer: csv::Writer<Vec<u8>>,
    guarded: bool,
}

impl CsvOut {
    fn new(header: &[&str], guarded: bool) -> CsvOut {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(header)
            .expect("writing to memory cannot fail");
        CsvOut { writer, guarded }
    }

    fn row(&mut self, cells: &[&str]) {
        let guarded = self.guarded;
        let cells = cells.iter().map(|cell| {
            if guarded {
                guard_cell(cell)
            } else {
                Cow::Borrowed(*cell)
            }
        });
        self.writer
            .write_record(cells.map(|c| c.into_owned()))
            .expect("writing to memory cannot fail");
    }

    fn finish(self) -> String {
        let bytes = self
            .writer
            .into_inner()
            .expect("flushing to memory cannot fail");
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
