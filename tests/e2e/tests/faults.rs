//! Faults and bad input during a collection: every file ends either in a zip, verified, or
//! under failures with its reason; "Retry failed" after the faults stop completes the set,
//! which then equals a clean run's.

use std::collections::BTreeSet;
use std::path::Path;

use al_e2e::mock_control::{configure, wait_zips};
use al_e2e::seed::{failures, open_zip};
use al_e2e::{mock_al::Config, Harness};
use serde_json::json;

/// The `.cart` entries of a zip, each checked to decode to the server's bytes and the zip to
/// pass an independent reader, plus the manifest's failures as (sha256 or sids, reason).
fn contents(s: &Harness, path: &Path) -> (BTreeSet<String>, Vec<(String, String)>) {
    let (carts, manifest) = open_zip(path, s.server.dataset());
    (carts, failures(&manifest))
}

/// The analyst on the Collect tab; `parallel`: the Server tab's "Parallel calls", or None
/// for the page's default.
async fn on_collect(config: Config, parallel: Option<usize>) -> Harness {
    let s = Harness::start(config).await;
    s.open_collect(parallel).await;
    s
}

#[tokio::test]
async fn faults_lose_nothing_and_retry_completes_the_set() {
    // What a clean run collects: every qualifying file whose blob exists.
    let data = al_e2e::mock_al::dataset(&Config::default());
    let clean: BTreeSet<String> = data
        .files_at_or_above(7000)
        .into_iter()
        .filter(|sha| data.file_bytes(sha).is_some())
        .collect();
    let mut victims = clean
        .iter()
        .filter(|sha| data.file_bytes(sha).unwrap().len() > 1000);
    let truncated = victims.next().unwrap().clone();
    let corrupted = victims.next().unwrap().clone();

    // Two calls at once: the revocation in step 3 then finds files still queued, as a large
    // run would (with the default six, this small set is all under way within a second).
    let s = on_collect(
        Config {
            quota: 3,
            latency_ms: 50,
            fault_rate: 0.1,
            ..Config::default()
        },
        Some(2),
    )
    .await;
    let addr = s.server.addr;

    eprintln!("fault run: step 1");
    // 1. Every tree answers with a broken JSON body: each submission is listed, none lost.
    configure(addr, json!({"malformed_json_routes": ["submission/tree"]})).await;
    s.click_button("Find files").await;
    s.wait_text(
        ".progress",
        "Scan complete, with submissions that could not be scanned",
    )
    .await;
    let listed = s.wait_text("ul.failures", "submission").await;
    assert!(
        listed.contains("Unexpected answer") || listed.contains("not Assemblyline JSON"),
        "{listed}"
    );

    eprintln!("fault run: step 2");
    // 2. The server mends; Retry failed scans them again, through 502s, a quota of 3 and
    //    200 ms latency spikes on a fifth of the calls.
    configure(
        addr,
        json!({"malformed_json_routes": [], "truncate_downloads": [truncated],
               "corrupt_downloads": [corrupted], "spike_rate": 0.2, "spike_ms": 200}),
    )
    .await;
    s.click_button("Retry failed").await;
    s.wait_text(".progress", "Scan complete").await;
    let found = s.wait_text("table.files caption", "files qualify").await;
    assert!(
        found.starts_with(&format!("{} ", clean.len() + 1)),
        "{found}"
    ); // + the missing blob

    eprintln!("fault run: step 3");
    // 3. Download; the key is revoked mid-run.
    configure(addr, json!({"latency_ms": 1000})).await;
    s.click_button("Download zip").await;
    let progress = s.wait_downloaded(1).await;
    assert!(
        !progress.contains("Zip handed to the browser"),
        "the run ended before the key could be revoked: {progress}"
    );
    configure(addr, json!({"revoked_users": ["analyst"]})).await;
    let stop = s
        .wait_text(
            "section:not([hidden]) [role='alert']",
            "refused the credentials",
        )
        .await;
    assert!(stop.contains("Invalid user or APIKey"), "{stop}");
    let first = wait_zips(&s.downloads, 1).await;
    let (mut collected, failures) = contents(&s, &first[0]);
    assert!(
        collected.len() < clean.len(),
        "the revocation should have stopped the run early"
    );
    let failed: BTreeSet<String> = failures.iter().map(|(what, _)| what.clone()).collect();
    for sha in &clean {
        assert!(
            collected.contains(sha) || failed.contains(sha),
            "{sha} neither collected nor listed as failed"
        );
    }

    eprintln!("fault run: step 4");
    // 4. Key restored: Retry failed gets the rest, but the damaged downloads stay failed.
    configure(addr, json!({"revoked_users": []})).await;
    s.click_button("Retry failed").await;
    let second = wait_zips(&s.downloads, 2).await;
    let (part, failures) = contents(&s, &second[1]);
    collected.extend(part);
    for (victim, why) in [
        (&truncated, "did not verify"),
        (&corrupted, "did not verify"),
    ] {
        let reason = failures
            .iter()
            .find(|(w, _)| w == victim)
            .map(|(_, r)| r.clone());
        assert!(
            reason.as_deref().is_some_and(|r| r.contains(why)),
            "{victim}: {reason:?}"
        );
    }

    eprintln!("fault run: step 5");
    // 5. Faults stop: one more Retry failed completes the set.
    configure(
        addr,
        json!({"truncate_downloads": [], "corrupt_downloads": [], "fault_rate": 0.0}),
    )
    .await;
    s.click_button("Retry failed").await;
    let third = wait_zips(&s.downloads, 3).await;
    let (part, failures) = contents(&s, &third[2]);
    collected.extend(part);
    assert_eq!(
        collected, clean,
        "the union of the zips equals a clean run's file set"
    );
    assert_eq!(
        failures.len(),
        1,
        "only the missing blob is left: {failures:?}"
    );
    s.finish().await;
}

#[tokio::test]
async fn daily_quota_stops_the_run_with_an_explanation() {
    let s = on_collect(Config::default(), None).await;
    configure(s.server.addr, json!({"daily_quota": 3})).await;
    s.click_button("Find files").await;
    let stop = s
        .wait_text("section:not([hidden]) [role='alert']", "daily API quota")
        .await;
    assert!(stop.contains("Nothing more can be fetched today"), "{stop}");
    s.finish().await;
}

#[tokio::test]
async fn a_query_with_a_syntax_error_shows_the_server_message() {
    let s = on_collect(Config::default(), None).await;
    s.fill("Query", "max_score:>=7000 AND (").await;
    s.click_button("Find files").await;
    let stop = s
        .wait_text(
            "section:not([hidden]) [role='alert']",
            "The query was refused",
        )
        .await;
    // The server's own words (Assemblyline wraps Elasticsearch's parse error as a
    // SearchException), which the page cannot have made up.
    assert!(
        stop.contains("The query was refused: ") && stop.contains("SearchException: "),
        "the server's words are shown: {stop}"
    );
    s.finish().await;
}

#[tokio::test]
async fn zero_matches_is_said_in_words() {
    let s = on_collect(Config::default(), None).await;
    s.fill("Query", "max_score:>=999999").await;
    s.find_files().await;
    s.wait_text(".progress", "No submission matches").await;
    s.finish().await;
}
