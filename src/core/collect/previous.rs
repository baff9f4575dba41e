//! Incremental collection: a previous run's manifest (its `manifest.json`, or the whole zip it
//! came in) says which files were collected already, so this run skips them; and a "Since"
//! choice narrows the query to submissions newer than a moment.

use std::collections::BTreeSet;
use std::io::{Read, Seek, SeekFrom};

use serde::Deserialize;

/// Bytes read from the end of a previous zip: its manifest.json and central directory come
/// last, so the tail holds them without reading gigabytes of cARTs.
pub const ZIP_TAIL_BYTES: u64 = 64 << 20;

/// What a previous run collected.
#[derive(Clone, Debug, PartialEq)]
pub struct PreviousRun {
    /// When it finished (ISO 8601, as the manifest says).
    pub finished: String,
    pub server: String,
    pub files: BTreeSet<String>,
}

#[derive(Deserialize)]
struct ManifestShape {
    finished: String,
    #[serde(default)]
    server: String,
    files: Vec<FileShape>,
}

#[derive(Deserialize)]
struct FileShape {
    sha256: String,
}

const NOT_OURS: &str = "This is not an AL Collector manifest: choose the manifest.json of a \
                        previous collection, or the zip it came in.";

/// Reads a previous run's `manifest.json`.
pub fn from_manifest_json(bytes: &[u8]) -> Result<PreviousRun, String> {
    let shape: ManifestShape = serde_json::from_slice(bytes).map_err(|_| NOT_OURS.to_string())?;
    let files: BTreeSet<String> = shape
        .files
        .into_iter()
        .map(|f| f.sha256.trim().to_ascii_lowercase())
        .collect();
    if files.iter().any(|s| !crate::core::api::is_sha256(s)) {
        return Err(NOT_OURS.into());
    }
    Ok(PreviousRun {
        finished: shape.finished,
        server: shape.server,
        files,
    })
}

/// The last `tail.len()` bytes of a `file_len`-byte file, read as if the whole file were
/// there: the zip reader only needs the end (central directory, manifest.json).
struct Tail<'a> {
    file_len: u64,
    tail: &'a [u8],
    pos: u64,
}

impl Read for Tail<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let start = self.file_len - self.tail.len() as u64;
        if self.pos < start {
            return Err(std::io::Error::other(
                "outside the part of the zip that was read",
            ));
        }
        let at = (self.pos - start) as usize;
        let n = out.len().min(self.tail.len().saturating_sub(at));
        out[..n].copy_from_slice(&self.tail[at..at + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Tail<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.file_len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| std::io::Error::other("seek before the start"))?;
        Ok(self.pos)
    }
}

/// Reads the manifest.json of a previous zip from its last bytes (`tail`, at most
/// `ZIP_TAIL_BYTES`, of a `file_len`-byte file).
pub fn from_zip_tail(file_len: u64, tail: &[u8]) -> Result<PreviousRun, String> {
    if tail.len() as u64 > file_len {
        return Err("the end of the zip was read wrongly".into());
    }
    let reader = Tail {
        file_len,
        tail,
        pos: 0,
    };
    let config = zip::read::Config {
        archive_offset: zip::read::ArchiveOffset::Known(0),
    };
    let mut zip = zip::ZipArchive::with_config(config, reader).map_err(|_| {
        "This file is not a zip AL Collector made (no zip directory at its end).".to_string()
    })?;
    let mut entry = zip
        .by_name("manifest.json")
        .map_err(|_| NOT_OURS.to_string())?;
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).map_err(|_| {
        "The zip's manifest.json lies too far from its end to be read here: unzip it and \
         choose manifest.json instead."
            .to_string()
    })?;
    from_manifest_json(&bytes)
}

/// How far back the query looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Since {
    AnyTime,
    Day,
    Week,
    Month,
    PreviousRun,
}

impl Since {
    pub const ALL: [Since; 5] = [
        Since::AnyTime,
        Since::Day,
        Since::Week,
        Since::Month,
        Since::PreviousRun,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Since::AnyTime => "any time",
            Since::Day => "the last 24 hours",
            Since::Week => "the last 7 days",
            Since::Month => "the last 30 days",
            Since::PreviousRun => "the previous manifest's run",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Since::AnyTime => "any",
            Since::Day => "1d",
            Since::Week => "7d",
            Since::Month => "30d",
            Since::PreviousRun => "previous",
        }
    }

    pub fn from_key(key: &str) -> Since {
        Since::ALL
            .into_iter()
            .find(|s| s.key() == key)
            .unwrap_or(Since::AnyTime)
    }

    /// The query clause (Elasticsearch date math, as Assemblyline's search takes it); None
    /// for any time, or when the previous run is not known.
    pub fn clause(self, previous: Option<&PreviousRun>) -> Option<String> {
        let from = match self {
            Since::AnyTime => return None,
            Since::Day => "now-1d".to_string(),
            Since::Week => "now-7d".to_string(),
            Since::Month => "now-30d".to_string(),
            Since::PreviousRun => {
                let at = previous?.finished.trim();
                // The date goes inside a range: anything but an ISO date is refused.
                let iso = !at.is_empty()
                    && at
                        .chars()
                        .all(|c| c.is_ascii_digit() || "-:.TZ+".contains(c));
                if !iso {
                    return None;
                }
                at.to_string()
            }
        };
        Some(format!("times.submitted:[{from} TO now]"))
    }
}

const CLAUSE_START: &str = " AND times.submitted:[";

/// `query` with its "since" clause replaced by `clause` (or removed): the Query box shows
/// exactly what is searched.
pub fn with_since(query: &str, clause: Option<&str>) -> String {
    let base = match query.find(CLAUSE_START) {
        Some(at) if query.ends_with(" TO now]") => &query[..at],
        _ => query,
    };
    match clause {
        Some(c) => format!("{base} AND {c}"),
        None => base.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(shas: &[String]) -> String {
        let files: Vec<String> = shas
            .iter()
            .map(|s| format!("{{\"sha256\":\"{s}\",\"name\":\"x\"}}"))
            .collect();
        format!(
            "{{\"server\":\"https://al\",\"finished\":\"2026-11-23T04:00:00.000Z\",\"files\":[{}],\"failures\":[]}}",
            files.join(",")
        )
    }

    #[test]
    fn a_previous_manifest_lists_what_was_collected() {
        let shas = vec!["ab".repeat(32), "cd".repeat(32)];
        let run = from_manifest_json(manifest(&shas).as_bytes()).unwrap();
        assert_eq!(run.files, shas.into_iter().collect());
        assert_eq!(run.finished, "2026-11-23T04:00:00.000Z");
        for bad in [
            "{}",
            "[]",
            "not json",
            "{\"finished\":\"x\",\"files\":[{\"sha256\":\"../x\"}]}",
        ] {
            assert_eq!(
                from_manifest_json(bad.as_bytes()).unwrap_err(),
                NOT_OURS,
                "{bad}"
            );
        }
    }

    fn zip_with(manifest: &str, padding: usize) -> Vec<u8> {
        use std::io::Write;
        let mut w = zip::ZipWriter::new_stream(Vec::new());
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        w.start_file("big.cart", o).unwrap();
        w.write_all(&vec![7u8; padding]).unwrap();
        w.start_file("manifest.json", o).unwrap();
        w.write_all(manifest.as_bytes()).unwrap();
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn a_previous_zip_is_read_from_its_end_alone() {
        let shas = vec!["ef".repeat(32)];
        let zip = zip_with(&manifest(&shas), 300_000);
        let tail = &zip[zip.len() - 10_000..];
        let run = from_zip_tail(zip.len() as u64, tail).unwrap();
        assert_eq!(run.files, shas.into_iter().collect());
        // Cut inside the manifest: said in words, not a wrong answer.
        let short = &zip[zip.len() - 200..];
        assert!(from_zip_tail(zip.len() as u64, short).is_err());
        let not_zip = vec![1u8; 5000];
        assert!(from_zip_tail(5000, &not_zip)
            .unwrap_err()
            .contains("not a zip"));
    }

    #[test]
    fn since_clauses_show_in_the_query_and_replace_each_other() {
        let previous = from_manifest_json(manifest(&[]).as_bytes()).unwrap();
        let week = Since::Week.clause(None).unwrap();
        assert_eq!(week, "times.submitted:[now-7d TO now]");
        let q = with_since("max_score:>=7000", Some(&week));
        assert_eq!(q, "max_score:>=7000 AND times.submitted:[now-7d TO now]");
        let last = Since::PreviousRun.clause(Some(&previous)).unwrap();
        assert_eq!(
            with_since(&q, Some(&last)),
            "max_score:>=7000 AND times.submitted:[2026-11-23T04:00:00.000Z TO now]"
        );
        assert_eq!(with_since(&q, None), "max_score:>=7000");
        assert_eq!(Since::PreviousRun.clause(None), None);
        let odd = PreviousRun {
            finished: "x] OR *".into(),
            ..previous
        };
        assert_eq!(Since::PreviousRun.clause(Some(&odd)), None);
        assert_eq!(Since::from_key("30d"), Since::Month);
    }
}
