//! Filtered file collection, end to end: the zip the page saves holds exactly the files the
//! seed script's rule selects, each decoding to the server's bytes; the one whose blob is
//! missing is listed under failures, not dropped.

use std::collections::BTreeSet;

use al_e2e::seed::{downloadable, read_entry, seed_selection};
use al_e2e::{mock_al::Config, user, Harness};
use serde_json::Value;

/// The whole sha256 of every row the preview draws, read from its link (the text is short).
async fn preview_sha256s(s: &Harness) -> BTreeSet<String> {
    let hrefs = s
        .js("return [...document.querySelectorAll('table.files a.sha')]\
               .map(a => a.getAttribute('href').split('/').pop())")
        .await;
    hrefs
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn zip_holds_exactly_the_seed_selection_and_lists_the_missing_blob() {
    let s = Harness::start(Config::default()).await;
    let data = s.server.dataset();
    let expected = seed_selection(data, 7000);
    let missing: BTreeSet<String> = expected
        .difference(&downloadable(data, &expected))
        .cloned()
        .collect();
    assert!(
        !missing.is_empty(),
        "the sample data must have a qualifying file whose blob is missing"
    );

    let analyst = user("analyst");
    s.open_signed_in("analyst", "Collect files").await;
    assert_eq!(s.field_value("Query").await, "max_score:>=7000");
    s.find_files().await;
    s.wait_text("table.files", "files qualify").await;
    let preview = preview_sha256s(&s).await;
    for sha in &expected {
        assert!(preview.contains(sha), "preview lacks {sha}");
    }
    s.click_button("Download zip").await;
    s.wait_text(".progress", "Zip handed to the browser").await;
    let path = s.wait_download(".zip").await;
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    assert!(name.starts_with("al-collector-"), "{name}");

    al_e2e::seed::independent_reader_accepts(&path);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let entries: BTreeSet<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();

    let carts: BTreeSet<String> = entries
        .iter()
        .filter_map(|n| n.strip_suffix(".cart"))
        .map(str::to_string)
        .collect();
    let downloadable: BTreeSet<String> = expected.difference(&missing).cloned().collect();
    assert_eq!(
        carts, downloadable,
        "zip entries vs the seed's selection (less the missing blob)"
    );
    for extra in ["manifest.json", "manifest.csv", "README.txt"] {
        assert!(entries.contains(extra), "{extra} missing");
    }
    for sha in &carts {
        let cart = read_entry(&mut zip, &format!("{sha}.cart"));
        let mut plain = Vec::new();
        let (header, _) = cart_container::unpack_stream(&cart[..], &mut plain, None).unwrap();
        assert!(
            plain == data.file_bytes(sha).unwrap(),
            "{sha}.cart does not decode to the server's bytes"
        );
        assert!(
            header.unwrap().contains_key("name"),
            "the cART header carries the file name"
        );
    }

    let manifest: Value = serde_json::from_slice(&read_entry(&mut zip, "manifest.json")).unwrap();
    let listed: BTreeSet<String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["sha256"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, carts, "manifest files agree with the zip");
    assert!(manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["verified"] == true));
    for sha in &missing {
        let failure = manifest["failures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["sha256"] == sha.as_str())
            .unwrap_or_else(|| panic!("missing blob {sha} not listed under failures"));
        assert!(
            failure["reason"].as_str().unwrap().contains("not found"),
            "{failure}"
        );
    }
    assert_eq!(manifest["query"], "max_score:>=7000");
    assert_eq!(manifest["threshold"], 7000);
    assert_eq!(manifest["user"], "analyst");
    let raw = String::from_utf8(read_entry(&mut zip, "manifest.json")).unwrap()
        + &String::from_utf8(read_entry(&mut zip, "manifest.csv")).unwrap();
    assert!(
        !raw.contains(analyst.apikey.split(':').nth(1).unwrap()),
        "no credentials in manifests"
    );
    s.finish().await;
}

#[tokio::test]
async fn a_threshold_that_is_not_a_number_is_explained() {
    let s = Harness::start(Config::default()).await;
    s.open_signed_in("analyst", "Collect files").await;
    s.fill("Score threshold", "lots").await;
    s.click_button("Find files").await;
    s.wait_text("section:not([hidden]) [role='alert']", "whole number")
        .await;
    // The query followed the threshold as typed; a preset puts both back.
    s.click_button("2000").await;
    assert_eq!(s.field_value("Query").await, "max_score:>=2000");
    s.finish().await;
}

#[tokio::test]
async fn a_user_without_file_download_is_stopped_with_the_reason() {
    let s = Harness::start(Config::default()).await;
    s.open_signed_in("viewer", "Collect files").await;
    s.find_files().await;
    s.click_button("Download zip").await;
    let stop = s
        .wait_text("section:not([hidden]) [role='alert']", "file_download")
        .await;
    assert!(stop.contains("lacks the 'file_download' role"), "{stop}");
    // Every file is accounted for: listed as not collected, none silently dropped.
    let listed = s.wait_text("ul.failures", "file_download").await;
    let files = s.server.dataset().files_at_or_above(7000).len();
    assert_eq!(listed.lines().count(), files, "{listed}");
    // Each with its score as a verdict chip and its hash shortened, with a copy button.
    let marks = s
        .js("const items = [...document.querySelectorAll('ul.failures li')];
             return [items.filter(li => li.querySelector('.verdict.score.malicious')).length,
                     items.filter(li => li.querySelector('a.sha') && li.querySelector('button.copy-hash')).length];")
        .await;
    assert_eq!(marks, serde_json::json!([files, files]), "{listed}");
    s.finish().await;
}

#[tokio::test]
async fn cancel_stops_a_slow_scan_and_keeps_what_was_found() {
    let s = Harness::start(Config {
        latency_ms: 1_500,
        ..Config::default()
    })
    .await;
    s.open_signed_in("analyst", "Collect files").await;
    s.click_button("Find files").await;
    // Cancel once the first trees brought files, while the other trees are still loading.
    let files_found = |text: &str| -> usize {
        text.split("Files found: ")
            .nth(1)
            .and_then(|t| t.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let found = loop {
        let progress = s.wait_text(".progress", "Scanning").await;
        let n = files_found(&progress);
        if n > 0 {
            break n;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    s.click_button("Cancel").await;
    s.wait_text("section:not([hidden]) [role='alert']", "Cancelled")
        .await;
    let progress = s.wait_text(".progress", "Scan complete").await;
    assert!(!progress.contains("Scanning"), "{progress}");
    let kept = files_found(&progress);
    assert!(kept >= found, "what was found stays: {progress}");
    let table = s.wait_text("table.files", "files qualify").await;
    assert!(table.contains(&format!("{kept} files qualify")), "{table}");
    // The submissions the cancel cut off are listed, for Retry failed.
    let listed = s.wait_text("ul.failures", "not scanned").await;
    assert!(listed.contains("Cancelled"), "{listed}");
    // The form is usable again at once.
    s.click_button("Find files").await;
    s.finish().await;
}

#[tokio::test]
async fn hostile_names_render_as_text() {
    let s = Harness::start(Config::default()).await;
    s.open_signed_in("analyst", "Collect files").await;
    s.fill("Query", "*").await;
    s.find_files().await;
    let table = s.wait_text("table.files", "files qualify").await;
    assert!(
        table.contains(al_e2e::mock_al::UNICODE_NAME) || table.contains(al_e2e::mock_al::RTL_NAME),
        "{table}"
    );
    let scripts = s
        .browser
        .execute(
            "return document.querySelectorAll('main script, main img, main iframe').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(scripts, serde_json::json!(0));
    s.finish().await;
}

#[tokio::test]
async fn a_small_part_size_splits_the_set_over_zips_and_loses_nothing() {
    split_into_parts(false).await;
}

/// Browsers without writable OPFS files (Safari, plain http) keep each zip in memory: the same
/// parts, the same files, none lost.
#[tokio::test]
async fn without_scratch_files_zips_kept_in_memory_split_the_same_way() {
    split_into_parts(true).await;
}

async fn split_into_parts(memory_only: bool) {
    let s = Harness::start(Config::default()).await;
    let data = s.server.dataset();
    let selected = seed_selection(data, 7000);
    let downloadable = downloadable(data, &selected);
    s.open_signed_in("analyst", "Collect files").await;
    if memory_only {
        s.hide_scratch_files().await;
    }
    s.find_files().await;

    // Not a size: said in words, nothing starts.
    s.fill("Zip part size (MB)", "0.5").await;
    s.click_button("Download zip").await;
    let words = s
        .wait_text("section:not([hidden]) [role='alert']", "Zip part size")
        .await;
    assert!(words.contains("whole number of MB"), "{words}");
    assert!(words.contains("\"0.5\""), "{words}");

    s.fill("Zip part size (MB)", "1").await;
    s.click_button("Download zip").await;
    s.wait_text(".progress", "Zip handed to the browser").await;
    // The run is over when Download zip is disabled again; then every zip it saved is listed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let saved = loop {
        if let Some(n) = s.download_over().await {
            break n;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the download never ended"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let zips = al_e2e::mock_control::wait_zips(&s.downloads, saved).await;
    assert_eq!(
        zips.len(),
        saved,
        "every zip the page lists reached the disk"
    );
    assert!(zips.len() >= 2, "1 MB parts give several zips: {zips:?}");

    let part = |name: &str| -> usize {
        name.rsplit_once("-part")
            .and_then(|(_, n)| n.strip_suffix(".zip")?.parse().ok())
            .unwrap_or(1)
    };
    let mut seen = BTreeSet::new();
    for path in &zips {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        al_e2e::seed::independent_reader_accepts(path);
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        let carts: BTreeSet<String> = zip
            .file_names()
            .filter_map(|n| n.ok()?.strip_suffix(".cart").map(str::to_string))
            .collect();
        let size = std::fs::metadata(path).unwrap().len();
        // A file bigger than a part gets a zip of its own; otherwise parts stay under 1 MB.
        assert!(
            carts.len() == 1 || size <= 1_000_000,
            "{name}: {size} bytes"
        );
        let manifest: Value =
            serde_json::from_slice(&read_entry(&mut zip, "manifest.json")).unwrap();
        let listed: BTreeSet<String> = manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["sha256"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(listed, carts, "{name}: its manifest lists what it holds");
        // Files still to come in a later zip are not failures; the last zip lists every
        // file that never arrived.
        let failed: BTreeSet<String> = manifest["failures"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["sha256"].as_str().map(str::to_string))
            .collect();
        assert!(
            failed.iter().all(|sha| !downloadable.contains(sha)),
            "{name} lists a file of a later zip as failed: {failed:?}"
        );
        if part(&name) == zips.len() {
            let missing: BTreeSet<String> = selected.difference(&downloadable).cloned().collect();
            assert_eq!(
                failed, missing,
                "{name}: the last zip lists what is missing"
            );
        }
        for sha in carts {
            assert!(seen.insert(sha.clone()), "{sha} is in two zips");
        }
    }
    assert_eq!(seen, downloadable, "the parts together hold the whole set");
    let names: Vec<String> = zips
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    assert!(names.iter().any(|n| n.ends_with("-part2.zip")), "{names:?}");
    // Where the browser has them, each zip was written to a scratch file, not kept in memory.
    let scratch = s
        .js_async(
            "navigator.storage.getDirectory().then(async root => {
               let n = 0;
               try { for await (const _ of (await root.getDirectoryHandle('al-collector-zips')).keys()) n++; }
               catch (e) {}
               done(n);
             })",
        )
        .await;
    let expected = if memory_only { 0 } else { saved };
    assert_eq!(scratch, serde_json::json!(expected), "scratch zips");
    s.finish().await;
}

#[tokio::test]
async fn every_sid_and_sha256_links_back_to_assemblyline() {
    let s = Harness::start(Config::default()).await;
    s.open_signed_in("analyst", "Collect files").await;
    s.find_files().await;
    s.wait_text("table.files", "files qualify").await;
    let (files, sids) = s.links_back("#panel-collect").await;
    let shown = s.server.dataset().files_at_or_above(7000).len();
    assert!(
        files >= shown.min(20),
        "{files} file links for {shown} files"
    );
    assert!(
        sids >= files,
        "every file row links its submissions: {sids}"
    );
    s.finish().await;
}
