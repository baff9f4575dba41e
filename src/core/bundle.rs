//! The bundle: one zip streamed to a chunk sink, holding `<sha256>.cart` entries and the
//! manifests that say what they are.
//!
//! The sink gets bytes as they are produced (no Seek), so a multi-GB bundle never sits in
//! memory: entries are Stored (cART is already compressed), sizes and CRCs go in data
//! descriptors, and zip64 is used when an entry or the archive needs it. Zip paths are built
//! only from validated sha256s; names the server supplied appear only inside the manifests.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use serde::{Deserialize, Serialize};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::api::is_sha256;

mod notes;
mod part;
mod readme;
pub use notes::{ManifestNotes, STORED_AS_CART};
pub use part::{memory_pause_ms, parse_part_size, part_limit, Keeper, MEMORY_PART_BYTES};
pub use readme::readme_text;

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BundleError {
    #[error("refused to add {0:?} to the bundle: entry names must be a sha256")]
    NotSha256(String),
    #[error("{0}.cart is already in the bundle")]
    Duplicate(String),
    #[error("{sha256}.cart was announced as {announced} bytes but {written} were written")]
    SizeMismatch {
        sha256: String,
        announced: u64,
        written: u64,
    },
    #[error("could not write the bundle: {0}")]
    Write(String),
}

/// Modification time stamped on every entry. Passed in by the caller because the core has no
/// clock; zip can only store 1980–2107 in local time without a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZipTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl ZipTime {
    fn to_zip(self) -> DateTime {
        // Out-of-range dates fall back to zip's 1980-01-01: a wrong stamp beats a lost bundle.
        DateTime::from_date_and_time(
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
        )
        .unwrap_or_default()
    }
}

/// Counts what reached the sink, for the progress bar and the final size.
struct Counting<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written = self.written.saturating_add(n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// `al-collector-<date>-<time>.zip`, then `-part2`, `-part3`, … for later zips of the run.
pub fn zip_file_name(t: ZipTime, part: usize) -> String {
    let suffix = if part > 1 {
        format!("-part{part}")
    } else {
        String::new()
    };
    format!(
        "al-collector-{:04}{:02}{:02}-{:02}{:02}{:02}{suffix}.zip",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// The `.cart` entry being written: its name, the size announced, the bytes so far.
struct OpenEntry {
    sha256: String,
    announced: u64,
    written: u64,
}

pub struct BundleWriter<W: Write> {
    zip: ZipWriter<zip::write::StreamWriter<Counting<W>>>,
    modified: DateTime,
    names: HashSet<String>,
    open: Option<OpenEntry>,
    /// A failed write leaves a half-written entry that a stream cannot take back: every later
    /// call reports the first failure instead of producing a subtly broken archive.
    broken: Option<BundleError>,
}

impl<W: Write> BundleWriter<W> {
    pub fn new(sink: W, modified: ZipTime) -> Self {
        BundleWriter {
            zip: ZipWriter::new_stream(Counting {
                inner: sink,
                written: 0,
            }),
            modified: modified.to_zip(),
            names: HashSet::new(),
            open: None,
            broken: None,
        }
    }

    /// Bytes handed to the sink so far.
    pub fn bytes_written(&self) -> u64 {
        self.zip.get_ref().map_or(0, |w| w.get_ref().written)
    }

    /// Number of `.cart` entries added.
    pub fn entries(&self) -> usize {
        self.names.len()
    }

    /// True when a `next`-byte cART should go into a new zip: this one holds something and
    /// would pass `limit` with it. A file bigger than the limit still gets a zip of its own.
    pub fn is_full_for(&self, next: u64, limit: u64) -> bool {
        self.entries() > 0 && self.bytes_written().saturating_add(next) > limit
    }

    /// Adds a verified cART file as `<sha256>.cart`, all at once.
    pub fn add_cart<C: AsRef<[u8]>>(
        &mut self,
        sha256: &str,
        size: u64,
        chunks: impl IntoIterator<Item = C>,
    ) -> Result<(), BundleError> {
        self.begin_cart(sha256, size)?;
        for chunk in chunks {
            self.write_cart(chunk.as_ref())?;
        }
        self.end_cart()
    }

    /// Opens `<sha256>.cart`; `write_cart` and `end_cart` complete it, so a caller can yield
    /// to the browser between chunks. `size` decides zip64 up front, which a stream cannot
    /// change once the entry's header is out.
    pub fn begin_cart(&mut self, sha256: &str, size: u64) -> Result<(), BundleError> {
        if !is_sha256(sha256) {
            return Err(BundleError::NotSha256(sha256.chars().take(80).collect()));
        }
        if self.names.contains(sha256) {
            return Err(BundleError::Duplicate(sha256.to_string()));
        }
        self.check()?;
        if let Some(open) = &self.open {
            return Err(BundleError::Write(format!(
                "{}.cart is still being written",
                open.sha256
            )));
        }
        self.names.insert(sha256.to_string());
        let result = self.start_entry(&format!("{sha256}.cart"), size);
        self.or_break(result)?;
        self.open = Some(OpenEntry {
            sha256: sha256.to_string(),
            announced: size,
            written: 0,
        });
        Ok(())
    }

    pub fn write_cart(&mut self, chunk: &[u8]) -> Result<(), BundleError> {
        self.check()?;
        if self.open.is_none() {
            return Err(BundleError::Write("no .cart entry is open".into()));
        }
        let result = self
            .zip
            .write_all(chunk)
            .map_err(|e| BundleError::Write(e.to_string()));
        self.or_break(result)?;
        if let Some(open) = &mut self.open {
            open.written = open.written.saturating_add(chunk.len() as u64);
        }
        Ok(())
    }

    pub fn end_cart(&mut self) -> Result<(), BundleError> {
        self.check()?;
        let open = self
            .open
            .take()
            .ok_or_else(|| BundleError::Write("no .cart entry is open".into()))?;
        if open.written != open.announced {
            // The archive itself is still sound: sizes are taken from what was written.
            return Err(BundleError::SizeMismatch {
                sha256: open.sha256,
                announced: open.announced,
                written: open.written,
            });
        }
        Ok(())
    }

    /// Writes manifest.json, manifest.csv and README.txt, then the central directory, and
    /// gives the sink back.
    pub fn finish(self, manifest: &Manifest) -> Result<W, BundleError> {
        self.finish_with(&manifest_entries(manifest, &ManifestNotes::default()))
    }

    /// Writes the given manifest entries (`manifest_entries`, rendered elsewhere: the byte
    /// worker gets them as text), then the central directory, and gives the sink back.
    pub fn finish_with(mut self, entries: &[(String, String)]) -> Result<W, BundleError> {
        self.check()?;
        if let Some(open) = &self.open {
            return Err(BundleError::Write(format!(
                "{}.cart was left half written",
                open.sha256
            )));
        }
        for (name, text) in entries {
            let result = self.write_entry(name, text.as_bytes());
            self.or_break(result)?;
        }
        let sink = self
            .zip
            .finish()
            .map_err(|e| BundleError::Write(e.to_string()))?;
        Ok(sink.into_inner().inner)
    }

    /// A whole small entry (the manifests), in one piece.
    fn write_entry(&mut self, name: &str, bytes: &[u8]) -> Result<(), BundleError> {
        self.start_entry(name, bytes.len() as u64)?;
        self.zip
            .write_all(bytes)
            .map_err(|e| BundleError::Write(e.to_string()))
    }

    fn start_entry(&mut self, name: &str, size: u64) -> Result<(), BundleError> {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .last_modified_time(self.modified)
            .unix_permissions(0o644)
            .large_file(size >= u64::from(u32::MAX));
        self.zip
            .start_file(name, options)
            .map_err(|e| BundleError::Write(e.to_string()))
    }

    fn check(&self) -> Result<(), BundleError> {
        self.broken.clone().map_or(Ok(()), Err)
    }

    fn or_break<T>(&mut self, result: Result<T, BundleError>) -> Result<T, BundleError> {
        if let Err(e) = &result {
            self.broken = Some(e.clone());
        }
        result
    }
}

/// The entries that close every zip, named and rendered: manifest.json, manifest.csv and
/// README.txt.
pub fn manifest_entries(manifest: &Manifest, notes: &ManifestNotes) -> [(String, String); 3] {
    let [json, csv, readme] = manifest_entry_names();
    [
        (json, manifest.to_json_with(notes)),
        (csv, manifest.to_csv_with(notes)),
        (readme, readme_text(manifest)),
    ]
}

/// The names of `manifest_entries`, in their order.
pub fn manifest_entry_names() -> [String; 3] {
    ["manifest.json", "manifest.csv", "README.txt"].map(String::from)
}

/// What the bundle holds and what could not be collected. There is deliberately no field for
/// credentials: the manifest travels with the samples.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub server: String,
    pub user: String,
    pub query: String,
    pub threshold: i64,
    pub started: String,
    pub finished: String,
    pub files: Vec<ManifestFile>,
    pub failures: Vec<ManifestFailure>,
    /// Qualifying files a previous run collected (its manifest was given), not fetched again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub already_collected: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub sha256: String,
    /// The name the cART header carries, which `cart` restores on unpack.
    pub name: String,
    /// Every name the file had in the matching submissions, first seen first.
    pub names: Vec<String>,
    pub file_type: String,
    pub size: u64,
    /// Highest qualifying score over the submissions.
    pub score: i64,
    /// Submissions where the file qualified, in the order they were scanned.
    pub sids: Vec<String>,
    /// The file's score in each of `sids`.
    pub sid_scores: BTreeMap<String, i64>,
    /// True when a submission was still incomplete: its scores may still grow.
    pub partial: bool,
    pub cart_size: u64,
    pub verified: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// A qualifying file that could not be downloaded or verified.
    #[default]
    File,
    /// A submission whose file tree could not be loaded: its files were never scored.
    Submission,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ManifestFailure {
    pub kind: FailureKind,
    /// Empty for a submission failure.
    pub sha256: String,
    pub names: Vec<String>,
    pub sids: Vec<String>,
    pub score: i64,
    pub reason: String,
}

const CSV_COLUMNS: [&str; 14] = [
    "status",
    "sha256",
    "score",
    "name",
    "names",
    "file_type",
    "size",
    "cart_size",
    "verified",
    "submissions",
    "partial",
    "reason",
    "file_url",
    "submission_urls",
];

impl Manifest {
    pub fn to_json(&self) -> String {
        self.to_json_with(&ManifestNotes::default())
    }

    pub fn to_json_with(&self, notes: &ManifestNotes) -> String {
        // A JSON value always serializes: one convention with the IoC exports, and never an
        // empty manifest.json in a zip of malware.
        serde_json::to_string_pretty(&notes.annotate_json(self))
            .expect("a JSON value always serializes")
    }

    pub fn to_csv(&self) -> String {
        self.to_csv_with(&ManifestNotes::default())
    }

    /// One row per collected file, then one per failure, then one per submission with hidden
    /// or missing files. `names` is a JSON list so that any name (commas, quotes, newlines)
    /// survives exactly; `submissions` is `sid:score ...`.
    pub fn to_csv_with(&self, notes: &ManifestNotes) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut rows: Vec<[String; 14]> = Vec::new();
        // Links back to the Assemblyline UI, so a row leads to the file or submission there.
        let file_url = |sha256: &str| {
            if sha256.is_empty() {
                String::new()
            } else {
                text_cell(&crate::core::api::file_page(&self.server, sha256))
            }
        };
        let sid_urls = |sids: &[String]| {
            let urls: Vec<String> = sids
                .iter()
                .map(|sid| crate::core::api::submission_page(&self.server, sid))
                .collect();
            text_cell(&urls.join(" "))
        };
        for f in &self.files {
            let subs = f.sids.iter().map(|s| match f.sid_scores.get(s) {
                Some(score) => format!("{s}:{score}"),
                None => s.clone(),
            });
            rows.push([
                "collected".into(),
                text_cell(&f.sha256),
                f.score.to_string(),
                text_cell(&f.name),
                names_cell(&f.names),
                text_cell(&f.file_type),
                f.size.to_string(),
                f.cart_size.to_string(),
                f.verified.to_string(),
                text_cell(&subs.collect::<Vec<_>>().join(" ")),
                f.partial.to_string(),
                notes.file_reason(&f.sha256),
                file_url(&f.sha256),
                sid_urls(&f.sids),
            ]);
        }
        for f in &self.failures {
            let status = match f.kind {
                FailureKind::File => "failed",
                FailureKind::Submission => "submission failed",
            };
            rows.push([
                status.into(),
                text_cell(&f.sha256),
                f.score.to_string(),
                text_cell(f.names.first().map_or("", String::as_str)),
                names_cell(&f.names),
                String::new(),
                String::new(),
                String::new(),
                "false".into(),
                text_cell(&f.sids.join(" ")),
                String::new(),
                text_cell(&f.reason),
                file_url(&f.sha256),
                sid_urls(&f.sids),
            ]);
        }
        for sha256 in &self.already_collected {
            let mut row: [String; 14] = Default::default();
            row[0] = "already collected".into();
            row[1] = text_cell(sha256);
            row[8] = "false".into();
            row[11] = "a previous collection holds it (its manifest was given)".into();
            row[12] = file_url(sha256);
            rows.push(row);
        }
        rows.extend(notes.submission_rows().map(|mut row| {
            row[13] = sid_urls(std::slice::from_ref(&row[9]));
            row
        }));
        // Writing to memory cannot fail: one convention with the IoC exports.
        w.write_record(CSV_COLUMNS)
            .expect("writing to memory cannot fail");
        for row in rows {
            w.write_record(&row).expect("writing to memory cannot fail");
        }
        let bytes = w.into_inner().expect("flushing to memory cannot fail");
        String::from_utf8(bytes).expect("every cell was a str")
    }
}

/// Guards a text cell against spreadsheet formula injection: a cell starting with `=`, `+`,
/// `-`, `@`, tab or carriage return is prefixed with `'`, as the OWASP "CSV Injection" page
/// recommends, so Excel/LibreOffice show it as text instead of running it. Server-supplied
/// names are attacker-controlled (a sample can be named `=HYPERLINK(...)`). Numbers we format
/// ourselves (scores may be negative) are not text and are left alone.
pub fn text_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn names_cell(names: &[String]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        text_cell(&serde_json::to_string(names).expect("a list of strings always serializes"))
    }
}

#[cfg(test)]
mod tests;
