use std::io::{Cursor, Read};

use super::*;
use crate::core::test_support::sha;

fn time() -> ZipTime {
    ZipTime {
        year: 2026,
        month: 7,
        day: 14,
        hour: 9,
        minute: 30,
        second: 12,
    }
}

fn manifest() -> Manifest {
    Manifest {
        server: "https://al.example.org".into(),
        user: "analyst".into(),
        query: "max_score:>=7000".into(),
        threshold: 7000,
        started: "2026-07-14T09:00:00Z".into(),
        finished: "2026-07-14T09:30:12Z".into(),
        files: vec![ManifestFile {
            sha256: sha(1),
            name: "=HYPERLINK(\"http://x\")".into(),
            names: vec![
                "=HYPERLINK(\"http://x\")".into(),
                "a, \"b\"\nc.exe".into(),
                "résumé_日本.pdf".into(),
            ],
            file_type: "executable/windows/pe32".into(),
            size: 10,
            score: -20,
            sids: vec!["S1".into(), "S2".into()],
            sid_scores: [("S1".to_string(), 7000), ("S2".to_string(), 9000)]
                .into_iter()
                .collect(),
            partial: true,
            cart_size: 300,
            verified: true,
        }],
        failures: vec![
            ManifestFailure {
                kind: FailureKind::File,
                sha256: sha(2),
                names: vec!["invoice\u{202e}fdp.exe".into()],
                sids: vec!["S1".into()],
                score: 8000,
                reason: "Not found: The file was not found in the system.".into(),
            },
            ManifestFailure {
                kind: FailureKind::Submission,
                sids: vec!["S3".into()],
                reason: "-HTTP 504".into(),
                ..Default::default()
            },
        ],
        already_collected: Vec::new(),
    }
}

fn read_zip(bytes: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            assert_eq!(f.compression(), CompressionMethod::Stored);
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().to_string(), data)
        })
        .collect()
}

#[test]
fn bundle_reads_back_with_carts_and_manifests() {
    let mut b = BundleWriter::new(Vec::new(), time());
    b.add_cart(&sha(1), 6, [&b"CART"[..], b"ab"]).unwrap();
    b.add_cart(&sha(2), 0, Vec::<Vec<u8>>::new()).unwrap();
    assert_eq!(b.entries(), 2);
    let m = manifest();
    let bytes = b.finish(&m).unwrap();
    let entries = read_zip(bytes.clone());
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    let c1 = format!("{}.cart", sha(1));
    let c2 = format!("{}.cart", sha(2));
    assert_eq!(
        names,
        [
            c1.as_str(),
            c2.as_str(),
            "manifest.json",
            "manifest.csv",
            "README.txt"
        ]
    );
    assert_eq!(entries[0].1, b"CARTab");
    assert!(entries[1].1.is_empty());
    let back: Manifest = serde_json::from_slice(&entries[2].1).unwrap();
    assert_eq!(back, m);
    assert_eq!(entries[3].1, m.to_csv().as_bytes());
    assert_eq!(entries[4].1, readme_text(&m).as_bytes());

    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let stamp = archive.by_index(0).unwrap().last_modified().unwrap();
    assert_eq!(
        (
            stamp.year(),
            stamp.month(),
            stamp.day(),
            stamp.hour(),
            stamp.minute()
        ),
        (2026, 7, 14, 9, 30)
    );
}

#[test]
fn a_cart_written_in_chunks_reads_back_and_entries_never_interleave() {
    let mut b = BundleWriter::new(Vec::new(), time());
    b.begin_cart(&sha(1), 7).unwrap();
    b.write_cart(b"CA").unwrap();
    // A second entry cannot start while the first is open, nor can the zip end.
    let err = b.begin_cart(&sha(2), 1).unwrap_err().to_string();
    assert!(err.contains("still being written"), "{err}");
    b.write_cart(b"RT").unwrap();
    b.write_cart(b"xyz").unwrap();
    b.end_cart().unwrap();
    b.begin_cart(&sha(2), 1).unwrap();
    b.write_cart(b"!").unwrap();
    b.end_cart().unwrap();
    assert!(b.end_cart().is_err(), "nothing is open any more");
    assert!(b.write_cart(b"late").is_err());

    let entries = read_zip(b.finish(&manifest()).unwrap());
    assert_eq!(
        entries[0],
        (format!("{}.cart", sha(1)), b"CARTxyz".to_vec())
    );
    assert_eq!(entries[1], (format!("{}.cart", sha(2)), b"!".to_vec()));
}

#[test]
fn a_half_written_cart_blocks_finishing() {
    let mut b = BundleWriter::new(Vec::new(), time());
    b.begin_cart(&sha(1), 4).unwrap();
    b.write_cart(b"CA").unwrap();
    let err = b.finish(&manifest()).unwrap_err().to_string();
    assert!(err.contains("half written"), "{err}");
}

#[test]
fn a_zip_is_full_when_the_next_cart_would_pass_the_limit() {
    let mut b = BundleWriter::new(Vec::new(), time());
    // Empty: even a file over the limit goes in, so every file lands in some zip.
    assert!(!b.is_full_for(5_000, 1_000));
    b.add_cart(&sha(1), 400, [vec![0u8; 400]]).unwrap();
    let used = b.bytes_written();
    assert!(used > 400, "headers count too: {used}");
    assert!(!b.is_full_for(1_000 - used, 1_000));
    assert!(b.is_full_for(1_000 - used + 1, 1_000));
}

#[test]
fn zip_names_carry_the_run_time_and_the_part() {
    assert_eq!(zip_file_name(time(), 1), "al-collector-20260714-093012.zip");
    assert_eq!(
        zip_file_name(time(), 3),
        "al-collector-20260714-093012-part3.zip"
    );
}

#[test]
fn only_sha256_names_become_entries() {
    let mut b = BundleWriter::new(Vec::new(), time());
    for bad in [
        "../../etc/passwd",
        "evil.exe",
        "",
        &sha(0xab).to_uppercase(),
        &format!("{}/x", sha(1)),
    ] {
        let err = b.add_cart(bad, 1, [b"x"]).unwrap_err();
        assert!(matches!(err, BundleError::NotSha256(_)), "{bad}: {err}");
    }
    assert_eq!(b.bytes_written(), 0, "a refused entry writes nothing");
    b.add_cart(&sha(3), 1, [b"x"]).unwrap();
    assert_eq!(
        b.add_cart(&sha(3), 1, [b"x"]),
        Err(BundleError::Duplicate(sha(3)))
    );
    let entries = read_zip(b.finish(&Manifest::default()).unwrap());
    assert_eq!(entries.len(), 4);
}

#[test]
fn many_entries_need_zip64_and_still_read_back() {
    // More than 65,535 entries forces the zip64 end-of-central-directory records.
    let mut b = BundleWriter::new(Vec::new(), time());
    let count = 66_000u32;
    for i in 0..count {
        let sha256 = format!("{i:064x}");
        b.add_cart(&sha256, 4, [i.to_le_bytes()]).unwrap();
    }
    let bytes = b.finish(&Manifest::default()).unwrap();
    independent_reader_accepts(&bytes, count as usize + 3);
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    assert_eq!(archive.len(), count as usize + 3);
    let mut f = archive.by_name(&format!("{:064x}.cart", 65_999)).unwrap();
    let mut data = Vec::new();
    f.read_to_end(&mut data).unwrap();
    assert_eq!(data, 65_999u32.to_le_bytes());
}

/// Python's `zipfile`, a reader that shares no code with the writer: it lists `entries`
/// entries and every CRC checks (`testzip`).
fn independent_reader_accepts(zip: &[u8], entries: usize) {
    let path = std::env::temp_dir().join(format!(
        "al-collector-zip-check-{}-{entries}.zip",
        std::process::id()
    ));
    std::fs::write(&path, zip).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\n\
             z = zipfile.ZipFile(sys.argv[1])\n\
             bad = z.testzip()\n\
             print(len(z.infolist()), bad)\n\
             sys.exit(1 if bad else 0)",
        ])
        .arg(&path)
        .output()
        .expect("python3 runs (the machine's CPython)");
    let _ = std::fs::remove_file(&path);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "zipfile refused it: {said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(said.trim(), format!("{entries} None"));
}

#[test]
fn a_bundle_reads_back_with_an_independent_reader() {
    let mut b = BundleWriter::new(Vec::new(), time());
    b.add_cart(&sha(1), 5, [&b"he"[..], &b"llo"[..]]).unwrap();
    b.add_cart(&sha(2), 0, [b""]).unwrap();
    independent_reader_accepts(&b.finish(&manifest()).unwrap(), 5);
}

/// Records every write the zip makes, to prove bytes leave as they are produced.
#[derive(Default)]
struct Recorder {
    writes: Vec<usize>,
    bytes: Vec<u8>,
}

impl Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writes.push(buf.len());
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_sink_gets_bytes_in_order_as_they_are_produced() {
    let chunk = vec![0xabu8; 64 * 1024];
    let mut b = BundleWriter::new(Recorder::default(), time());
    for n in 0..3 {
        b.add_cart(
            &sha(n),
            16 * chunk.len() as u64,
            std::iter::repeat_n(&chunk, 16),
        )
        .unwrap();
        // The whole entry is already out: nothing waits for the end of the archive.
        assert!(b.bytes_written() >= (n as u64 + 1) * 16 * chunk.len() as u64);
    }
    let sink = b.finish(&manifest()).unwrap();
    assert!(sink.writes.len() > 48, "{} writes", sink.writes.len());
    assert!(
        sink.writes.iter().all(|&w| w <= chunk.len()),
        "no write larger than one chunk"
    );
    let entries = read_zip(sink.bytes);
    assert_eq!(entries[2].1.len(), 16 * chunk.len());
}

/// A sink that fails once it has taken `room` bytes, like a full disk or a blob quota.
struct Full {
    room: usize,
}

impl Write for Full {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() > self.room {
            return Err(std::io::Error::other("disk full"));
        }
        self.room -= buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failing_sink_stops_the_bundle_for_good() {
    let mut b = BundleWriter::new(Full { room: 1000 }, time());
    let err = b.add_cart(&sha(1), 5000, [vec![1u8; 5000]]).unwrap_err();
    assert!(err.to_string().contains("disk full"), "{err}");
    assert_eq!(b.add_cart(&sha(2), 1, [b"x"]), Err(err.clone()));
    assert_eq!(b.finish(&manifest()).err(), Some(err));
}

#[test]
fn announced_size_is_checked_and_zip64_entries_read_back() {
    let mut b = BundleWriter::new(Vec::new(), time());
    let err = b
        .add_cart(&sha(1), u64::from(u32::MAX), [b"abc"])
        .unwrap_err();
    assert_eq!(
        err,
        BundleError::SizeMismatch {
            sha256: sha(1),
            announced: u32::MAX as u64,
            written: 3
        }
    );
    // The entry was announced as large (zip64) yet the archive is sound.
    b.add_cart(&sha(2), 2, [b"ok"]).unwrap();
    let entries = read_zip(b.finish(&Manifest::default()).unwrap());
    assert_eq!(
        (entries[0].1.as_slice(), entries[1].1.as_slice()),
        (&b"abc"[..], &b"ok"[..])
    );
}

fn unguard(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

#[test]
fn csv_round_trips_names_and_guards_formulas() {
    let m = manifest();
    let csv_text = m.to_csv();
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);

    let f = &rows[0];
    assert_eq!(&f[0], "collected");
    assert_eq!(&f[2], "-20", "numbers are not guarded");
    assert_eq!(&f[3], "'=HYPERLINK(\"http://x\")");
    let names: Vec<String> = serde_json::from_str(unguard(&f[4])).unwrap();
    assert_eq!(names, m.files[0].names);
    assert_eq!(&f[9], "S1:7000 S2:9000");
    assert_eq!((&f[8], &f[10]), ("true", "true"));

    assert_eq!(
        (&rows[1][0], &rows[1][3]),
        ("failed", "invoice\u{202e}fdp.exe")
    );
    assert_eq!(
        &rows[1][11],
        "Not found: The file was not found in the system."
    );
    assert_eq!(
        (&rows[2][0], &rows[2][9], &rows[2][11]),
        ("submission failed", "S3", "'-HTTP 504")
    );

    for (input, cell) in [
        ("+1", "'+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("a=b", "a=b"),
        ("", ""),
    ] {
        assert_eq!(text_cell(input), cell);
    }
}

#[test]
fn manifest_json_has_exactly_the_documented_fields() {
    let v: serde_json::Value = serde_json::from_str(&manifest().to_json()).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "failures",
            "files",
            "finished",
            "query",
            "server",
            "started",
            "submissions",
            "threshold",
            "user"
        ]
    );
    let text = manifest().to_json().to_lowercase();
    assert!(!text.contains("apikey") && !text.contains("password"));
    assert_eq!(v["failures"][1]["kind"], "submission");
}

#[test]
fn readme_explains_unpacking_and_lists_failures_safely() {
    let text = readme_text(&manifest());
    for needle in [
        "pip install cart",
        "cart <sha256>.cart",
        "cart -d <sha256>.cart",
        "ORIGINAL file name",
        "LIVE MALWARE",
        "analysis VM",
        "manifest.json",
        "manifest.csv",
        "Rule:       files scoring >= 7000",
        "Failures (2)",
        "Not found: The file was not found in the system.",
        "- submission S3: -HTTP 504",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    // The right-to-left override that would disguise .exe as .pdf is shown, not obeyed.
    assert!(text.contains("invoice\\u{202e}fdp.exe"), "{text}");
    assert!(!text.contains('\u{202e}'));
    let clean = readme_text(&Manifest::default());
    assert!(!clean.contains("Failures"));
}

#[test]
fn hidden_incomplete_and_deleted_submissions_and_stored_carts_are_in_both_manifests() {
    use crate::core::status::SubmissionNote;
    let m = manifest();
    let stored = m.files[0].sha256.clone();
    let notes = ManifestNotes {
        submissions: vec![
            SubmissionNote::from_flags("HID", Some("completed"), true, true).unwrap(),
            SubmissionNote::from_flags("RUN", Some("submitted"), true, false).unwrap(),
            SubmissionNote::deleted("GONE"),
        ],
        stored_as_cart: [stored.clone()].into(),
    };
    let v: serde_json::Value = serde_json::from_str(&m.to_json_with(&notes)).unwrap();
    assert_eq!(v["files"][0]["stored_as_cart"], true);
    assert_eq!(v["submissions"][0]["sid"], "HID");
    assert_eq!(v["submissions"][0]["gaps"], serde_json::json!(["hidden"]));
    assert_eq!(
        v["submissions"][0]["reason"],
        "some files of this submission are hidden from you by classification; files under them are hidden too"
    );
    assert_eq!(v["submissions"][1]["reason"], "still being analysed");
    assert_eq!(v["submissions"][2]["status"], "submission deleted");
    let plain: serde_json::Value = serde_json::from_str(&m.to_json()).unwrap();
    assert_eq!(plain["submissions"], serde_json::json!([]));
    assert_eq!(plain["files"][0]["stored_as_cart"], false);

    let csv_text = m.to_csv_with(&notes);
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let collected = rows.iter().find(|r| &r[1] == stored.as_str()).unwrap();
    assert_eq!(&collected[11], STORED_AS_CART);
    let hidden = rows.iter().find(|r| &r[9] == "HID").unwrap();
    assert_eq!(&hidden[0], "files hidden");
    assert!(hidden[11].contains("hidden from you by classification"));
    let gone = rows.iter().find(|r| &r[9] == "GONE").unwrap();
    assert_eq!(&gone[0], "submission deleted");
    assert_eq!(&gone[11], "deleted since it was found");
    let run = rows.iter().find(|r| &r[9] == "RUN").unwrap();
    assert_eq!(&run[0], "submission incomplete");
}

#[test]
fn csv_rows_link_back_to_the_assemblyline_ui() {
    let text = manifest().to_csv();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rows.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[12..], ["file_url", "submission_urls"]);
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(
        &rows[0][12],
        format!("https://al.example.org/file/detail/{}", sha(1))
    );
    assert_eq!(
        &rows[0][13],
        "https://al.example.org/submission/detail/S1 https://al.example.org/submission/detail/S2"
    );
    // A failed submission has no file, only its own page.
    assert_eq!(&rows[2][12], "");
    assert_eq!(&rows[2][13], "https://al.example.org/submission/detail/S3");
}
