//! README.txt of the bundle: what it is, how to unpack it safely, what failed.

use super::{FailureKind, Manifest};

/// Shows untrusted text on one line: control characters and the bidirectional overrides used
/// to disguise extensions (`invoice\u{202e}fdp.exe` displays as `invoiceexe.pdf`) become
/// visible escapes.
fn plain(text: &str) -> String {
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    text.chars()
        .map(|c| {
            if hidden(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

pub fn readme_text(m: &Manifest) -> String {
    let mut t = format!(
        "AL Collector bundle\n\
         ===================\n\n\
         Server:     {}\n\
         User:       {}\n\
         Query:      {}\n\
         Rule:       files scoring >= {} in a matching submission\n\
         Started:    {}\n\
         Finished:   {}\n\
         Collected:  {} file(s); failures: {}\n",
        plain(&m.server),
        plain(&m.user),
        plain(&m.query),
        m.threshold,
        plain(&m.started),
        plain(&m.finished),
        m.files.len(),
        m.failures.len(),
    );
    t.push_str(README_BODY);
    if !m.failures.is_empty() {
        t.push_str(&format!("\nFailures ({})\n--------\n", m.failures.len()));
    }
    for f in &m.failures {
        let sids = plain(&f.sids.join(", "));
        let what = match f.kind {
            FailureKind::Submission => format!("submission {sids}"),
            FailureKind::File => {
                let name = f
                    .names
                    .first()
                    .map(|n| format!(" ({})", plain(n)))
                    .unwrap_or_default();
                format!("{}{name}, score {}, in {sids}", plain(&f.sha256), f.score)
            }
        };
        t.push_str(&format!("- {what}: {}\n", plain(&f.reason)));
    }
    t
}

const README_BODY: &str = "
WARNING: every .cart file here holds LIVE MALWARE.
cART (RC4 + zlib) only stops antivirus and accidental execution; it is not
protection. Unpack only inside an isolated analysis VM.

Each file is <sha256>.cart: the sha256 of the content, already checked by
AL Collector against Assemblyline's record before it was added. A file that
Assemblyline itself stores as a cART comes as stored: the .cart's own bytes
have that sha256, and unpacking it gives the file inside (manifest:
stored_as_cart).

Unpacking, with the official tool (pip install cart):
  cart <sha256>.cart        writes the content next to the .cart under its
                            ORIGINAL file name, taken from the cART header
                            (also listed in manifest.csv, column 'name');
                            refuses to overwrite an existing file
  cart -d <sha256>.cart     the same, then deletes the .cart
  cart -s <sha256>.cart     only shows the metadata (name, digests)
  cart -o <sha256>.bin <sha256>.cart
                            picks the output name yourself: safer, since an
                            original name can collide or mislead (invoice.pdf.exe)

What else is here:
  manifest.json   the run (server, user, query, threshold, times), every file
                  (sha256, names, type, size, score, submissions and the score
                  in each, cART size, verified) and every failure with reason;
                  'submissions' lists those with files hidden from you by
                  classification, still being analysed, missing information,
                  or deleted since they were found
  manifest.csv    the same, one row per file or failure, for spreadsheets;
                  'names' is a JSON list; a text cell starting with = + - @
                  gets a leading ' so spreadsheets do not run it as a formula
  README.txt      this file
No credentials are stored in this bundle.
";
