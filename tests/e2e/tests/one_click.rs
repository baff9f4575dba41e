//! Collect zip: scanning and downloading in one pipeline, as an analyst collecting a month of
//! high-score samples uses it — the same set as the seed script, the size guard, Cancel in
//! the middle, and thousands of files.

use std::collections::BTreeSet;
use std::time::Duration;

use al_e2e::mock_al::Config;
use al_e2e::seed::{downloadable, failures, open_zip, seed_selection};
use al_e2e::Harness;

#[tokio::test]
async fn collect_zip_in_one_click_holds_the_seed_selection() {
    let s = Harness::start(Config::default()).await;
    let data = s.server.dataset();
    let selected = seed_selection(data, 7000);
    let expected = downloadable(data, &selected);
    s.open_signed_in("analyst", "Collect files").await;
    s.click_button("Collect zip").await;
    let zips = s.collection_over(Duration::from_secs(120)).await;
    assert_eq!(zips.len(), 1, "one zip: {zips:?}");
    let (carts, manifest) = open_zip(&zips[0], data);
    assert_eq!(carts, expected, "one click collects the seed's set");
    let listed: BTreeSet<String> = failures(&manifest).into_iter().map(|f| f.0).collect();
    for sha in selected.difference(&expected) {
        assert!(listed.contains(sha), "missing blob {sha} not listed");
    }
    // The preview filled in as the files came: every one of them is in the table.
    let table = s.wait_text("table.files", "files qualify").await;
    assert!(
        table.contains(&format!("{} files qualify", selected.len())),
        "{table}"
    );
    s.finish().await;
}

#[tokio::test]
async fn the_size_guard_stops_and_asks_and_retry_collects_the_rest() {
    let s = Harness::start(Config::default()).await;
    let data = s.server.dataset();
    let selected = seed_selection(data, 7000);
    let expected = downloadable(data, &selected);
    s.open_signed_in("analyst", "Collect files").await;

    s.fill("Ask before collecting more than (GB)", "lots").await;
    s.click_button("Collect zip").await;
    let words = s
        .wait_text("section:not([hidden]) [role='alert']", "size in GB")
        .await;
    assert!(words.contains("\"lots\""), "{words}");

    // 1 MB: the sample set is about 3 MB, so the guard trips part way.
    s.fill("Ask before collecting more than (GB)", "0.001")
        .await;
    s.click_button("Collect zip").await;
    let question = s.wait_text(".guard", "This collection has reached").await;
    assert!(question.contains("1.0 MB you set"), "{question}");
    s.click_button("Stop here").await;
    let zips = s.collection_over(Duration::from_secs(120)).await;
    let (carts, manifest) = open_zip(&zips[0], data);
    assert!(
        !carts.is_empty() && carts.len() < expected.len(),
        "{carts:?}"
    );
    let unpacked: u64 = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["size"].as_u64().unwrap())
        .sum();
    assert!(
        unpacked <= 1_000_000,
        "the zip holds {unpacked} bytes unpacked"
    );
    let held: Vec<(String, String)> = failures(&manifest)
        .into_iter()
        .filter(|(_, why)| why.contains("Stopped at the size you set"))
        .collect();
    let held_shas: BTreeSet<String> = held.iter().map(|f| f.0.clone()).collect();
    // Every file not in the zip is listed: each downloadable one as held back by the guard.
    // The missing blob is held back too unless its call had already started when the guard
    // tripped (up to ten calls are handed to the browser at once); then it is listed as
    // missing.
    let listed: BTreeSet<String> = failures(&manifest).into_iter().map(|f| f.0).collect();
    let outside: BTreeSet<String> = selected.difference(&carts).cloned().collect();
    assert_eq!(listed, outside, "every file not in the zip is listed");
    let downloadable_outside: BTreeSet<String> = expected.difference(&carts).cloned().collect();
    assert!(
        downloadable_outside.is_subset(&held_shas) && held_shas.is_subset(&outside),
        "every file held back is listed with the reason: {held_shas:?}"
    );

    s.click_button("Retry failed").await;
    s.wait_text(".progress", "-part2.zip").await;
    let zips = s.collection_over(Duration::from_secs(120)).await;
    let part2 = zips
        .iter()
        .find(|p| p.to_string_lossy().ends_with("-part2.zip"))
        .expect("Retry failed saves a second zip");
    let (rest, _) = open_zip(part2, data);
    assert_eq!(&carts | &rest, expected, "the two zips hold the whole set");
    s.finish().await;
}

#[tokio::test]
async fn cancel_mid_pipeline_keeps_what_was_verified_and_lists_the_rest() {
    let s = Harness::start(Config {
        latency_ms: 300,
        ..Config::default()
    })
    .await;
    let data = s.server.dataset();
    let expected = downloadable(data, &seed_selection(data, 7000));
    s.open_signed_in("analyst", "Collect files").await;
    s.click_button("Collect zip").await;
    // Cancel once at least one file is in, while others are still coming.
    s.wait_downloaded(1).await;
    s.click_button("Cancel").await;
    let zips = s.collection_over(Duration::from_secs(60)).await;
    let (carts, manifest) = open_zip(&zips[0], data);
    assert!(!carts.is_empty(), "what was verified is kept");
    assert!(carts.len() < expected.len(), "the run was cut short");
    let listed: BTreeSet<String> = failures(&manifest).into_iter().map(|f| f.0).collect();
    for sha in expected.difference(&carts) {
        assert!(listed.contains(sha), "{sha} neither in the zip nor listed");
    }
    s.finish().await;
}

#[tokio::test]
async fn five_thousand_files_in_one_click() {
    let s = Harness::start(Config {
        submissions: 2_600,
        qualifying_per_submission: Some(2.2),
        ..Config::default()
    })
    .await;
    let data = s.server.dataset();
    let expected = downloadable(data, &seed_selection(data, 7000));
    assert!(expected.len() >= 4_500, "{} files", expected.len());
    s.open_signed_in("analyst", "Collect files").await;
    s.click_button("Collect zip").await;
    let zips = s.collection_over(Duration::from_secs(1200)).await;
    assert_eq!(zips.len(), 1);
    let (carts, _) = open_zip(&zips[0], data);
    assert_eq!(carts.len(), expected.len());
    assert_eq!(carts, expected);
    s.finish().await;
}

/// "Parallel calls" is what the server sees at once. Over HTTP/1.1 the page hands the browser
/// four calls beyond it when it allows the browser's six connections (the browser queues them
/// and sends each as a connection frees); below six it hands exactly the setting, or the
/// server would see more.
#[tokio::test]
async fn the_server_never_sees_more_calls_at_once_than_parallel_calls_allows() {
    for parallel in [3u64, 6] {
        let s = Harness::start(Config {
            latency_ms: 20,
            ..Config::default()
        })
        .await;
        s.open_collect(Some(parallel as usize)).await;
        // The Server tab says how the calls go: the page learnt the protocol when it connected.
        let words = s
            .js("return document.querySelector('.identity .calls')?.textContent ?? ''")
            .await;
        let words = words.as_str().unwrap_or_default();
        let expected = if parallel >= 6 {
            "Calls go over HTTP/1.1: at most 6 at once reach Assemblyline, and 4 more wait ready in the browser."
        } else {
            "Calls go over HTTP/1.1: at most 3 at once reach Assemblyline."
        };
        assert_eq!(words, expected);
        al_e2e::mock_control::reset_stats(s.server.addr).await;
        s.click_button("Collect zip").await;
        s.collection_over(Duration::from_secs(120)).await;
        let stats = al_e2e::mock_control::stats(s.server.addr).await;
        let peak = stats["peak_concurrency"]["analyst"].as_u64().unwrap_or(0);
        assert!(
            (2..=parallel).contains(&peak),
            "Parallel calls {parallel}: the server saw {peak} at once"
        );
        s.finish().await;
    }
}
