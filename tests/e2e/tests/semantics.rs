//! What the server's answers mean, end to end: hidden files, `partial` with the submission's
//! state, Terms of Service mid-run, expired search cursors, deletion and the archive, the
//! server's verdicts, the ontology's unknown safelist flag, stored cARTs. Each state is one
//! the mock reproduces from the real server's source (`tests/mock_al/src/semantics.rs`).
//! The collection side (preview and manifest) is tested at the end.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use al_e2e::mock_al::{self, Config};
use al_e2e::mock_control::configure;
use al_e2e::seed::{independent_reader_accepts, open_zip, sha256_hex, zip_entry};
use al_e2e::Harness;
use serde_json::{json, Value};

/// Runs the IoC view on `sids` (or a query) with the source chosen, and waits for the end.
async fn show_iocs(s: &Harness, sids: &[&str], query: &str, source: &str) -> String {
    s.open_tab("Network IoCs").await;
    s.fill("Submission IDs", &sids.join("\n")).await;
    s.fill("Query", query).await;
    s.fill("Max submissions", "1000").await;
    s.js(&format!(
        "const sel = document.getElementById('ioc-source'); sel.value = '{source}'; \
         sel.dispatchEvent(new Event('input')); sel.dispatchEvent(new Event('change')); return 1"
    ))
    .await;
    s.click_button("Show IoCs").await;
    // "Loaded" only once the run finished ("Loading…" before).
    s.wait_text(".run-progress", "Loaded").await
}

/// The cells of the IoC row whose value is `value`, or None when it is not shown.
async fn ioc_row(s: &Harness, value: &str) -> Option<Vec<String>> {
    // Every group is scrolled to: a group draws its rows only near the screen.
    let found = s
        .each_ioc_group(&format!(
            "const row = [...g.querySelectorAll('table.iocs tr')]\
               .find(r => r.querySelector('td.value') && r.querySelector('td.value').textContent === {});\
             return row ? [...row.querySelectorAll('td')].map(td => td.textContent) : null",
            json!(value)
        ))
        .await;
    let cells = found.into_iter().find(|cells| !cells.is_null())?;
    cells.as_array().map(|cells| {
        cells
            .iter()
            .map(|c| c.as_str().unwrap_or_default().to_string())
            .collect()
    })
}

fn sample(s: &Harness, label: &str) -> String {
    s.server.dataset().sample_sid(label).unwrap().to_string()
}

/// invoice.exe of the "invoice" sample: it alone produces c2.evil-payments.com there.
fn invoice_exe(s: &Harness) -> String {
    let tree = s.server.dataset().tree_json(&sample(s, "invoice")).unwrap();
    let root = tree["tree"].as_object().unwrap().values().next().unwrap();
    root["children"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, node)| node["name"][0] == "invoice.exe")
        .map(|(sha, _)| sha.clone())
        .unwrap()
}

#[tokio::test]
async fn hidden_files_are_named_in_the_ioc_view_never_silent() {
    let s = Harness::start(Config::default()).await;
    let invoice = sample(&s, "invoice");
    configure(s.server.addr, json!({"hidden_files": [invoice_exe(&s)]})).await;
    s.open_signed_in("analyst", "Network IoCs").await;
    show_iocs(&s, &[&invoice], "", "summary").await;
    let notes = s
        .wait_text(".ioc-results .notes", "hidden from you by classification")
        .await;
    assert!(
        notes.contains(&format!(
            "Submission {invoice}: some files of this submission are hidden from you by \
             classification; files under them are hidden too."
        )),
        "{notes}"
    );
    assert!(!notes.contains("still being analysed"), "{notes}");
    assert!(ioc_row(&s, "c2.evil-payments.com").await.is_none());
    assert!(ioc_row(&s, mock_al::SHARED_DOMAIN).await.is_some());
    s.finish().await;
}

#[tokio::test]
async fn partial_is_still_running_only_when_the_state_says_so() {
    let s = Harness::start(Config::default()).await;
    let (invoice, running) = (sample(&s, "invoice"), sample(&s, "partial"));
    configure(s.server.addr, json!({"purged_results": [invoice]})).await;
    s.open_signed_in("analyst", "Network IoCs").await;
    show_iocs(&s, &[&invoice, &running], "", "summary").await;
    let notes = s
        .wait_text(".ioc-results .notes", "still being analysed")
        .await;
    assert!(
        notes.contains(&format!("Submission {running}: still being analysed.")),
        "{notes}"
    );
    assert!(
        notes.contains(&format!(
            "Submission {invoice}: some information about this submission is missing (purged or hidden)."
        )),
        "{notes}"
    );
    s.finish().await;
}

#[tokio::test]
async fn terms_of_service_refused_mid_run_stops_it_once() {
    let s = Harness::start(Config::default()).await;
    s.open_signed_in("analyst", "Network IoCs").await;
    configure(s.server.addr, json!({"tos_required": true})).await;
    let sids: Vec<String> = mock_al::SAMPLE_LABELS
        .iter()
        .map(|l| sample(&s, l))
        .collect();
    let refs: Vec<&str> = sids.iter().map(String::as_str).collect();
    let progress = show_iocs(&s, &refs, "", "summary").await;
    assert!(progress.contains("Stopped:"), "{progress}");
    assert!(progress.contains("Terms of Service"), "{progress}");
    let notes = s.wait_text(".ioc-results .notes", "Terms of Service").await;
    let lines = notes.matches("Agree to Terms of Service").count();
    assert!(
        lines < sids.len(),
        "one refusal stops the run, not one per submission: {notes}"
    );
    s.finish().await;
}

#[tokio::test]
async fn an_expired_search_cursor_restarts_and_skips_what_was_seen() {
    let s = Harness::start(Config {
        submissions: 230,
        ..Config::default()
    })
    .await;
    configure(s.server.addr, json!({"expire_cursors": 1})).await;
    s.open_signed_in("analyst", "Network IoCs").await;
    let progress = show_iocs(&s, &[], "*", "summary").await;
    assert!(
        progress.starts_with("Loaded 230 of 230 submissions"),
        "every submission once, none twice: {progress}"
    );
    let notes = s.page_text().await;
    assert!(!notes.contains("refused"), "{notes}");
    assert!(!notes.contains("search context"), "{notes}");
    s.finish().await;
}

#[tokio::test]
async fn a_submission_deleted_after_the_search_is_said_so() {
    let s = Harness::start(Config::default()).await;
    let (invoice, dropper) = (sample(&s, "invoice"), sample(&s, "dropper"));
    configure(s.server.addr, json!({"deleted_sids": [dropper]})).await;
    s.open_signed_in("analyst", "Network IoCs").await;
    show_iocs(
        &s,
        &[],
        &format!("sid:{invoice} OR sid:{dropper}"),
        "summary",
    )
    .await;
    let notes = s
        .wait_text(".ioc-results .notes", "deleted since it was found")
        .await;
    assert!(
        notes.contains(&format!("Submission {dropper}: deleted since it was found")),
        "{notes}"
    );
    s.finish().await;
}

#[tokio::test]
async fn archive_only_submissions_need_include_archive_and_to_be_deleted_are_left_out() {
    let s = Harness::start(Config::default()).await;
    let (invoice, dropper) = (sample(&s, "invoice"), sample(&s, "dropper"));
    configure(
        s.server.addr,
        json!({"archived_sids": [invoice], "to_be_deleted_sids": [dropper]}),
    )
    .await;
    s.open_signed_in("analyst", "Network IoCs").await;
    let query = format!("sid:{invoice} OR sid:{dropper}");
    let progress = show_iocs(&s, &[], &query, "summary").await;
    assert!(progress.starts_with("Loaded 0 of 0"), "{progress}");
    s.open_tab("Server").await;
    let archive = s
        .wait_for(fantoccini::Locator::XPath(
            "//label[contains(., 'Include archive')]/input",
        ))
        .await;
    archive.click().await.unwrap();
    show_iocs(&s, &[], &query, "summary").await;
    let progress = s.wait_text(".run-progress", "Loaded 1 of").await;
    assert!(
        progress.starts_with("Loaded 1 of 1"),
        "the archived one, never the one marked for deletion: {progress}"
    );
    s.finish().await;
}

#[tokio::test]
async fn ontology_values_take_the_summary_flags_and_the_servers_verdicts() {
    let s = Harness::start(Config::default()).await;
    let invoice = sample(&s, "invoice");
    // CAPE.22 (3000) flags port 8080: malicious at the default 1000, suspicious here.
    configure(
        s.server.addr,
        json!({"verdicts": {"info": 0, "suspicious": 300, "highly_suspicious": 700, "malicious": 5000}}),
    )
    .await;
    s.open_signed_in("analyst", "Network IoCs").await;
    let options = s
        .js("return [...document.querySelectorAll('#ioc-verdict option')].map(o => o.textContent).join('|')")
        .await;
    assert!(
        !options.as_str().unwrap().contains("Highly suspicious"),
        "{options}"
    );
    show_iocs(&s, &[&invoice], "", "ontology").await;
    s.field("Hide safelisted").await.click().await.unwrap();
    let port = ioc_row(&s, "8080").await.expect("port 8080 shown");
    assert_eq!(port[1], "suspicious", "{port:?}");
    assert_eq!(
        port[2], "unknown",
        "the ontology cannot say it is not safelisted: {port:?}"
    );
    let mut safe = None;
    for _ in 0..100 {
        safe = ioc_row(&s, mock_al::SAFELISTED_DOMAIN).await;
        if safe.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let safe = safe.expect("the safelisted domain is shown once safelisted values are");
    assert!(safe[2].contains("safelisted"), "{safe:?}");
    s.finish().await;
}

#[tokio::test]
async fn ontology_records_the_server_left_out_are_counted() {
    let s = Harness::start(Config::default()).await;
    let invoice = sample(&s, "invoice");
    configure(
        s.server.addr,
        json!({"missing_ontology_files": [invoice_exe(&s)]}),
    )
    .await;
    s.open_signed_in("analyst", "Network IoCs").await;
    show_iocs(&s, &[&invoice], "", "ontology").await;
    let notes = s
        .wait_text(".ioc-results .notes", "no ontology record")
        .await;
    assert!(
        notes.contains(&format!(
            "Submission {invoice}: 1 file with tags in the summary has no ontology record"
        )),
        "{notes}"
    );
    // Its port (ontology-only) is gone; its summary values still come from the other records
    // or not at all, but nothing is invented.
    assert!(ioc_row(&s, "8080").await.is_none());
    s.finish().await;
}

// ---- Collection ----

async fn on_collect(s: &Harness, query: &str) -> String {
    s.open_signed_in("analyst", "Collect files").await;
    s.fill("Query", query).await;
    s.find_files().await;
    s.page_text().await
}

/// Download zip, and the zip once saved.
async fn collect_zip(s: &Harness) -> PathBuf {
    s.click_button("Download zip").await;
    s.wait_text(".progress", "Zip handed to the browser").await;
    s.wait_download(".zip").await
}

#[tokio::test]
async fn terms_of_service_stop_a_collection_with_the_fix() {
    let s = Harness::start(Config::default()).await;
    s.open_signed_in("analyst", "Collect files").await;
    configure(s.server.addr, json!({"tos_required": true})).await;
    s.fill("Query", "*").await;
    s.click_button("Find files").await;
    let page = s.wait_text("main", "agree to the Terms of Service").await;
    assert!(
        page.matches("Agree to Terms of Service before").count() <= 2,
        "said once, not once per submission: {page}"
    );
    s.finish().await;
}

#[tokio::test]
async fn a_file_stored_as_cart_is_collected_as_stored_and_said_so_in_the_manifest() {
    let s = Harness::start(Config {
        stored_cart: true,
        ..Config::default()
    })
    .await;
    on_collect(&s, mock_al::STORED_CART_QUERY).await;
    let path = collect_zip(&s).await;
    independent_reader_accepts(&path);
    let got = carts(&path);
    assert_eq!(got.len(), 1, "{got:?}");
    let sha = got.iter().next().unwrap().clone();
    let bytes = zip_entry(&path, &format!("{sha}.cart"));
    assert_eq!(sha256_hex(&bytes), sha, "the stored cART, byte for byte");
    assert_eq!(
        s.server.dataset().file_bytes(&sha).unwrap(),
        bytes,
        "as the server stores it"
    );
    let manifest: Value = serde_json::from_slice(&zip_entry(&path, "manifest.json")).unwrap();
    assert_eq!(manifest["files"][0]["stored_as_cart"], true, "{manifest}");
    let csv = String::from_utf8(zip_entry(&path, "manifest.csv")).unwrap();
    assert!(
        csv.contains("Assemblyline stores this file as a cART"),
        "{csv}"
    );
    s.finish().await;
}

/// The sha256s of the `.cart` entries of the zip at `path`.
fn carts(path: &Path) -> BTreeSet<String> {
    let zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    zip.file_names()
        .filter_map(|n| n.unwrap().strip_suffix(".cart").map(str::to_string))
        .collect()
}

#[tokio::test]
async fn hidden_files_are_named_in_the_preview_and_manifest_and_left_out_with_their_subtree() {
    let s = Harness::start(Config::default()).await;
    let (invoice, dropper) = (sample(&s, "invoice"), sample(&s, "dropper"));
    // The dropper's root document is hidden: its macro (7000) is under it, hidden too.
    let docm = s.server.dataset().tree_json(&dropper).unwrap()["tree"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    configure(s.server.addr, json!({"hidden_files": [docm]})).await;
    let page = on_collect(&s, &format!("sid:{invoice} OR sid:{dropper}")).await;
    let hidden = "some files of this submission are hidden from you by classification; files \
                  under them are hidden too";
    assert!(
        page.contains(&format!("Submission {dropper}: {hidden}")),
        "{page}"
    );
    assert!(!page.contains("still being analysed"), "{page}");
    let path = collect_zip(&s).await;
    let (carts, manifest) = open_zip(&path, s.server.dataset());
    assert_eq!(
        carts,
        BTreeSet::from([invoice_exe(&s)]),
        "exactly what the user may see"
    );
    let listed = &manifest["submissions"];
    assert_eq!(listed[0]["sid"], dropper.as_str(), "{manifest}");
    assert_eq!(listed[0]["reason"], hidden);
    let csv = String::from_utf8(zip_entry(&path, "manifest.csv")).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.starts_with("files hidden,") && l.contains(&dropper)),
        "{csv}"
    );
    s.finish().await;
}

#[tokio::test]
async fn partial_submissions_are_worded_with_their_state_in_preview_and_manifest() {
    let s = Harness::start(Config::default()).await;
    let (invoice, running) = (sample(&s, "invoice"), sample(&s, "partial"));
    configure(s.server.addr, json!({"purged_results": [invoice]})).await;
    let page = on_collect(&s, &format!("sid:{invoice} OR sid:{running}")).await;
    assert!(
        page.contains(&format!("Submission {running}: still being analysed")),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "Submission {invoice}: some information about this submission is missing (purged or hidden)"
        )),
        "{page}"
    );
    let (_, manifest) = open_zip(&collect_zip(&s).await, s.server.dataset());
    let reasons: Vec<(String, String)> = manifest["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["sid"].as_str().unwrap().to_string(),
                n["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(reasons.contains(&(running.clone(), "still being analysed".into())));
    assert!(reasons.contains(&(
        invoice.clone(),
        "some information about this submission is missing (purged or hidden)".into()
    )));
    s.finish().await;
}

#[tokio::test]
async fn a_submission_deleted_between_search_and_tree_is_listed_as_such() {
    let s = Harness::start(Config::default()).await;
    let (invoice, dropper) = (sample(&s, "invoice"), sample(&s, "dropper"));
    configure(s.server.addr, json!({"deleted_sids": [dropper]})).await;
    let page = on_collect(&s, &format!("sid:{invoice} OR sid:{dropper}")).await;
    assert!(
        page.contains(&format!("Submission {dropper}: deleted since it was found")),
        "{page}"
    );
    let (_, manifest) = open_zip(&collect_zip(&s).await, s.server.dataset());
    let deleted = manifest["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["sid"] == dropper.as_str())
        .unwrap_or_else(|| panic!("{manifest}"))
        .clone();
    assert_eq!(deleted["status"], "submission deleted");
    assert_eq!(deleted["reason"], "deleted since it was found");
    s.finish().await;
}
