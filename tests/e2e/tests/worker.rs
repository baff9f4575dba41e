//! Large files through the byte worker: the page only reads the downloads and posts their
//! chunks; a worker verifies, keeps and zips them. The page must stay usable — Cancel is
//! answered mid-run — and the zip must read back with an independent reader (`unzip -t`).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use al_e2e::mock_al::{Config, BULK_QUERY};
use al_e2e::seed::{downloadable, open_zip, read_entry, seed_selection, sha256_hex};
use al_e2e::Harness;

const MIB: usize = 1 << 20;

/// A server with `files` bulk files of 30 MB, and their sha256s.
async fn with_large_files(files: usize) -> (Harness, BTreeSet<String>) {
    let s = Harness::start(Config {
        bulk: Some((files, 30 * MIB)),
        ..Config::default()
    })
    .await;
    let bulk = s.server.dataset().bulk_sha256s();
    (s, bulk)
}

/// The analyst on the Collect tab with the large files' query; `parallel`: "Parallel calls",
/// or None for the page's default.
async fn on_collect_tab(s: &Harness, parallel: Option<usize>) {
    s.open_collect(parallel).await;
    s.fill("Query", BULK_QUERY).await;
}

/// `unzip -t` (Info-ZIP, not the zip crate the page uses) reads every entry and checks its
/// CRC; the `.cart` entries' names, each unpacked and hashed.
fn read_back(zip: &Path) -> BTreeSet<String> {
    let tested = std::process::Command::new("unzip")
        .arg("-t")
        .arg(zip)
        .output()
        .expect("unzip is installed (Debian package unzip)");
    let said = String::from_utf8_lossy(&tested.stdout);
    assert!(tested.status.success(), "unzip -t: {said}");
    assert!(said.contains("No errors detected"), "{said}");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let carts: BTreeSet<String> = archive
        .file_names()
        .filter_map(|n| n.ok()?.strip_suffix(".cart").map(str::to_string))
        .collect();
    for sha in &carts {
        let cart = read_entry(&mut archive, &format!("{sha}.cart"));
        let mut plain = Vec::new();
        cart_container::unpack_stream(&cart[..], &mut plain, None).unwrap();
        assert_eq!(
            &sha256_hex(&plain),
            sha,
            "{sha}.cart unpacks to other bytes"
        );
    }
    carts
}

/// Says where the byte work ran (the Details of the Collect tab).
async fn byte_work(s: &Harness) -> String {
    s.browser
        .execute(
            "return [...document.querySelectorAll('.byte-work')].map(p => p.textContent).join(' ')",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn large_files_are_verified_and_zipped_by_the_worker() {
    let (s, bulk) = with_large_files(4).await;
    on_collect_tab(&s, None).await;
    s.click_button("Collect zip").await;
    let zips = s.collection_over(Duration::from_secs(300)).await;
    assert_eq!(zips.len(), 1, "one zip: {zips:?}");
    assert_eq!(read_back(&zips[0]), bulk, "every bulk file, once");
    let words = byte_work(&s).await;
    assert!(words.contains("background worker"), "{words}");
    s.finish().await;
}

#[tokio::test]
async fn cancel_is_answered_while_the_worker_takes_large_files() {
    let (s, bulk) = with_large_files(6).await;
    // One call at a time: the files come one after another, so the run is surely mid-way.
    on_collect_tab(&s, Some(1)).await;
    s.click_button("Collect zip").await;
    s.wait_downloaded(1).await;
    s.click_button("Cancel").await;
    s.wait_text("section:not([hidden]) [role='alert']", "Cancelled")
        .await;
    let zips = s.collection_over(Duration::from_secs(120)).await;
    let carts = read_back(&zips[0]);
    assert!(!carts.is_empty(), "what was verified is kept");
    assert!(carts.is_subset(&bulk), "{carts:?}");
    assert!(carts.len() < bulk.len(), "Cancel stopped the run");
    let words = byte_work(&s).await;
    assert!(words.contains("background worker"), "{words}");
    s.finish().await;
}

#[tokio::test]
async fn without_a_worker_the_page_says_so_and_does_the_byte_work_itself() {
    let s = Harness::start(Config::default()).await;
    let data = s.server.dataset();
    let expected = downloadable(data, &seed_selection(data, 7000));
    s.open().await;
    // As in a browser or policy that refuses module workers.
    s.js("delete window.Worker; return 1").await;
    s.sign_in("analyst", "Collect files").await;
    s.click_button("Collect zip").await;
    let zips = s.collection_over(Duration::from_secs(120)).await;
    let (carts, _) = open_zip(&zips[0], data);
    assert_eq!(
        carts, expected,
        "the same set, verified and zipped on the page"
    );
    let words = s.wait_text(".progress", "on the page itself").await;
    assert!(words.contains("refused to start a worker"), "{words}");
    s.finish().await;
}
