//! The preview as an analyst reads it: each score a chip of its verdict (the official
//! Assemblyline UI's colours and steps, readable by axe-core's contrast rule in light and
//! dark), each sha256 shortened to both ends, linking to the whole one, with a button that
//! copies it whole; and a zip called saved only when it went to a file the analyst picked.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use al_e2e::{mock_al::Config, Harness};
use serde_json::Value;

async fn on_collect_tab(s: &Harness) {
    s.open().await;
    s.sign_in("analyst", "Collect files").await;
}

/// The verdict the official UI gives a score at Assemblyline's default steps
/// (assemblyline-ui-frontend `useMyUser.tsx`, `scoreToVerdict`), transcribed apart from the
/// page's own rule.
fn official_verdict(score: i64) -> &'static str {
    match score {
        1000.. => "malicious",
        700.. => "highly_suspicious",
        300.. => "suspicious",
        0.. => "info",
        _ => "safe",
    }
}

/// The preview's rows once the filter shows `sha256` alone (Some) or nothing (None): each
/// row's whole hash (from its link), its score chip's classes and text, the short text, the
/// copy button's text and whether the hash cell holds all it draws.
async fn filtered_row(s: &Harness, sha256: &str) -> Option<Value> {
    s.fill("Filter files", sha256).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let rows = s
            .js("return [...document.querySelectorAll('table.files tbody tr:not(.spacer)')].map(tr => {
                   const a = tr.querySelector('a.sha'), chip = tr.querySelector('td.num .verdict.score');
                   const cell = tr.querySelector('td.sha'), button = tr.querySelector('button.copy-hash');
                   return { sha256: a.getAttribute('href').split('/').pop(), short: a.textContent,
                            title: a.closest('[title]').title, chip: chip.className,
                            score: chip.firstChild.textContent, button: button.textContent,
                            fits: cell.scrollWidth <= cell.clientWidth,
                            submissions: [...tr.querySelectorAll('td:last-child .verdict.score')]
                              .map(c => [c.className, c.firstChild.textContent]) };
                 });")
            .await;
        let rows = rows.as_array().unwrap();
        let caption = s.wait_text("table.files caption", "files qualify").await;
        if rows.is_empty() && caption.ends_with(", 0 match the filter") {
            return None;
        }
        if rows.len() == 1 && rows[0]["sha256"] == sha256 {
            return Some(rows[0].clone());
        }
        assert!(Instant::now() < deadline, "filter {sha256}: {rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// axe-core's colour contrast rule (WCAG AA) on the preview as drawn now: the failures.
async fn contrast_failures(s: &Harness) -> Vec<Value> {
    if s.js("return typeof axe").await != "object" {
        let path = al_e2e::repo_root().join(".tools/axe-core/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{} is missing ({e}): run scripts/setup.sh", path.display())
        });
        s.js(&format!("{source}\nreturn typeof axe;")).await;
    }
    let found = s
        .js_async(
            "axe.run('table.files', { runOnly: ['color-contrast'] })
               .then(r => done(r.violations.flatMap(v => v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary))),
                     e => done(['axe failed: ' + e]));",
        )
        .await;
    found.as_array().unwrap().clone()
}

#[tokio::test]
async fn scores_show_as_verdict_chips_and_hashes_copy_whole() {
    chips_and_copy(Harness::start(Config::default()).await).await;
}

#[tokio::test]
async fn verdict_chips_are_readable_in_the_dark_too() {
    if al_e2e::Browser::current().is_firefox() {
        println!("skipped: the harness darkens Chromium only (--force-dark-mode)");
        return;
    }
    let s = Harness::start_with_browser_args(Config::default(), &["--force-dark-mode"]).await;
    chips_and_copy(s).await;
}

async fn chips_and_copy(s: Harness) {
    let data = s.server.dataset();
    // A file's score in the preview is its best in any submission; a few files per verdict.
    let mut best: BTreeMap<String, i64> = BTreeMap::new();
    for sid in data.sids() {
        for (sha, score) in data.file_scores(&sid).unwrap() {
            let e = best.entry(sha).or_insert(score);
            *e = (*e).max(score);
        }
    }
    let mut by_verdict: BTreeMap<&str, Vec<(String, i64)>> = BTreeMap::new();
    for (sha, score) in &best {
        by_verdict
            .entry(official_verdict(*score))
            .or_default()
            .push((sha.clone(), *score));
    }

    on_collect_tab(&s).await;
    s.fill("Query", "*").await;
    s.fill("Score threshold", "-1000000").await;
    s.click_button("Find files").await;
    s.wait_text(".progress", "Scan complete").await;
    s.wait_text("table.files", "files qualify").await;

    let mut seen = BTreeMap::new();
    for (verdict, files) in &by_verdict {
        // Some files are in submissions hidden from the analyst: the first one shown.
        for (sha, score) in files.iter().take(6) {
            let Some(row) = filtered_row(&s, sha).await else {
                continue;
            };
            assert_eq!(row["score"], score.to_string(), "{row}");
            let classes: Vec<&str> = row["chip"].as_str().unwrap().split(' ').collect();
            assert!(classes.contains(verdict), "{verdict} for {score}: {row}");
            assert_eq!(
                row["short"],
                format!("{}…{}", &sha[..8], &sha[56..]),
                "{row}"
            );
            assert_eq!(row["title"], sha.as_str(), "{row}");
            assert_eq!(row["button"], format!("Copy sha256 {sha}"), "{row}");
            assert_eq!(row["fits"], true, "the hash and its button fit: {row}");
            // Its score in each submission is a chip of that score's verdict too.
            for chip in row["submissions"].as_array().unwrap() {
                let score: i64 = chip[1].as_str().unwrap().parse().unwrap();
                let class = format!("verdict score {}", official_verdict(score));
                assert_eq!(chip[0], class.as_str(), "{row}");
            }
            let failures = contrast_failures(&s).await;
            assert!(failures.is_empty(), "{verdict} chip contrast: {failures:?}");
            seen.insert(*verdict, sha.clone());
            break;
        }
    }
    println!("verdicts checked: {seen:?}");
    for verdict in [
        "malicious",
        "highly_suspicious",
        "suspicious",
        "info",
        "safe",
    ] {
        assert!(
            !by_verdict.contains_key(verdict) || seen.contains_key(verdict),
            "no {verdict} file shown: {seen:?}"
        );
    }
    assert!(seen.len() >= 4, "the data covers most verdicts: {seen:?}");

    // Copy: the whole hash, from the shortened row.
    let sha = &seen["malicious"];
    filtered_row(&s, sha).await.unwrap();
    s.js("navigator.clipboard.writeText = t => { window.copied = t; return Promise.resolve(); }; return 1")
        .await;
    s.browser
        .find(fantoccini::Locator::Css("table.files button.copy-hash"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    s.wait_text("table.files button.copy-hash", "Copied").await;
    assert_eq!(s.js("return window.copied").await, sha.as_str());
    s.finish().await;
}

/// A zip written to a file the analyst picked is on disk: the page says "saved". A download
/// only goes to the browser, which may refuse it: the page says "handed to the browser".
#[tokio::test]
async fn only_a_zip_written_to_a_picked_file_is_called_saved() {
    if al_e2e::Browser::current().is_firefox() {
        println!("skipped: Firefox has no save-file picker");
        return;
    }
    let s = Harness::start(Config::default()).await;
    on_collect_tab(&s).await;
    s.click_button("Find files").await;
    s.wait_text(".progress", "Scan complete").await;
    s.wait_text("table.files", "files qualify").await;
    // The save dialog, answered with a file in the origin's private storage: headless
    // Chromium cannot show the real one.
    s.js(
        "window.showSaveFilePicker = async () => (await navigator.storage.getDirectory())
             .getFileHandle('picked.zip', { create: true });
         return 1",
    )
    .await;
    s.browser
        .find(fantoccini::Locator::XPath(
            "//label[contains(normalize-space(), 'Save straight to a file on disk')]/input",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    s.click_button("Download zip").await;
    let line = s.wait_text(".progress .saved", "Zip saved: ").await;
    assert!(!line.contains("handed to the browser"), "{line}");
    assert!(!line.contains("If no download appears"), "{line}");
    let head = s
        .js_async(
            "navigator.storage.getDirectory()
               .then(d => d.getFileHandle('picked.zip')).then(h => h.getFile())
               .then(f => f.slice(0, 2).text()).then(done, e => done(String(e)));",
        )
        .await;
    assert_eq!(head, "PK", "the picked file holds the zip");
    assert!(
        al_e2e::browser::finished(&s.downloads).is_empty(),
        "nothing went through the browser's downloads"
    );
    s.finish().await;
}

/// The chips follow the server's own verdict steps (whoami), not Assemblyline's defaults.
#[tokio::test]
async fn chips_follow_the_servers_verdict_thresholds() {
    let s = Harness::start(Config::default()).await;
    al_e2e::mock_control::configure(
        s.server.addr,
        serde_json::json!({"verdicts": {"info": 0, "suspicious": 300, "highly_suspicious": 5000, "malicious": 9000}}),
    )
    .await;
    on_collect_tab(&s).await;
    s.click_button("Find files").await;
    s.wait_text(".progress", "Scan complete").await;
    s.wait_text("table.files", "files qualify").await;
    let chips = s
        .js(
            "return [...document.querySelectorAll('table.files td.num .verdict.score')]\
               .map(c => [c.className, c.firstChild.textContent, c.title])",
        )
        .await;
    let chips = chips.as_array().unwrap();
    assert!(!chips.is_empty());
    let mut steps = BTreeMap::new();
    for chip in chips {
        let score: i64 = chip[1].as_str().unwrap().parse().unwrap();
        let (class, label) = if score >= 9000 {
            ("malicious", "Malicious")
        } else {
            ("highly_suspicious", "Highly Suspicious")
        };
        assert_eq!(chip[0], format!("verdict score {class}").as_str(), "{chip}");
        assert_eq!(
            chip[2],
            format!("{label} [Score: {score}]").as_str(),
            "{chip}"
        );
        *steps.entry(class).or_insert(0) += 1;
    }
    assert_eq!(
        steps.len(),
        2,
        "both sides of the moved step are shown: {steps:?}"
    );
    s.finish().await;
}
