//! Faults and bad input during a collection: every file ends either in a zip, verified, or
//! under failures with its reason; "Retry failed" after the faults stop completes the set,
//! which then equals a clean run's.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::PathBuf;

use al_e2e::mock_control::{configure, wait_zips};
use al_e2e::{mock_al::Config, user, Session};
use serde_json::{json, Value};

fn open_zip(path: &PathBuf) -> zip::ZipArchive<std::fs::File> {
    zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap()
}

fn entry(zip: &mut zip::ZipArchive<std::fs::File>, name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    zip.by_name(name).unwrap().read_to_end(&mut out).unwrap();
    out
}

/// The `.cart` entries of a zip, each checked to decode to the server's bytes, plus the
/// manifest's failures as (sha256 or sid, reason).
fn contents(s: &Session, path: &PathBuf) -> (BTreeSet<String>, Vec<(String, String)>) {
    let mut zip = open_zip(path);
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
    let mut carts = BTreeSet::new();
    for name in names {
        let Some(sha) = name.strip_suffix(".cart") else {
            continue;
        };
        let cart = entry(&mut zip, &name);
        let mut plain = Vec::new();
        cart_container::unpack_stream(&cart[..], &mut plain, None).unwrap();
        assert!(
            plain == s.server.dataset().file_bytes(sha).unwrap(),
            "{name} corrupt in the zip"
        );
        carts.insert(sha.to_string());
    }
    let manifest: Value = serde_json::from_slice(&entry(&mut zip, "manifest.json")).unwrap();
    let failures = manifest["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let what = match f["sha256"].as_str() {
                Some(sha) if !sha.is_empty() => sha.to_string(),
                _ => f["sids"].to_string(),
            };
            (what, f["reason"].as_str().unwrap().to_string())
        })
        .collect();
    (carts, failures)
}

/// Waits until at least one file is downloaded and the run is still going.
async fn wait_some_downloaded(s: &Session) {
    for _ in 0..600 {
        let text = s.wait_text(".progress", "Downloaded: ").await;
        let line = text
            .lines()
            .find(|l| l.starts_with("Downloaded: "))
            .unwrap_or_default();
        let done: usize = line["Downloaded: ".len()..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            !text.contains("Zip handed to the browser"),
            "the run ended before the key could be revoked: {text}"
        );
        if done > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no download finished");
}

async fn connected_on_collect(config: Config) -> Session {
    connected_with_parallel_calls(config, None).await
}

/// `parallel`: the Server tab's "Parallel calls", or None for the default.
async fn connected_with_parallel_calls(config: Config, parallel: Option<usize>) -> Session {
    let s = Session::start(config).await;
    s.open().await;
    if let Some(n) = parallel {
        s.fill("Parallel calls", &n.to_string()).await;
    }
    let analyst = user("analyst");
    s.connect(analyst.user, analyst.apikey).await;
    s.wait_text(".identity", "Connected as analyst").await;
    s.open_tab("Collect files").await;
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
    let s = connected_with_parallel_calls(
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
    wait_some_downloaded(&s).await;
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
    let s = connected_on_collect(Config::default()).await;
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
    let s = connected_on_collect(Config::default()).await;
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
    let s = connected_on_collect(Config::default()).await;
    s.fill("Query", "max_score:>=999999").await;
    s.click_button("Find files").await;
    s.wait_text(".progress", "Scan complete").await;
    s.wait_text(".progress", "No submission matches").await;
    s.finish().await;
}
