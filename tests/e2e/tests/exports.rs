//! Exports, checked by the tools that consume them: the page's STIX 2.1 bundles by OASIS's
//! `stix2-validator` (strict and interop) and `stix2` library, two exports of the same IoCs
//! merged as a TIP merges them, and the MISP CSV read with MISP's import rules and pymisp's
//! attribute validation. The Python tools live in `.tools/validators-venv` (scripts/setup.sh).

use std::path::{Path, PathBuf};
use std::process::Command;

use al_e2e::mock_al::Config;
use al_e2e::{repo_root, Harness};

fn python() -> PathBuf {
    let python = repo_root().join(".tools/validators-venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run `bash scripts/setup.sh` (it installs stix2-validator, stix2 and pymisp)",
        python.display()
    );
    python
}

/// Runs one of `tests/e2e/py/*.py`; shows its report, fails the test when it does.
fn check(script: &str, args: &[&Path]) -> String {
    let out = Command::new(python())
        .arg(repo_root().join("tests/e2e/py").join(script))
        .args(args)
        .output()
        .expect("the validators' Python runs");
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    println!(
        "{script}:\n{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{script} failed:\n{report}");
    report
}

/// Waits for the download, then moves it out of the download folder (so the next export of
/// the same name is not renamed by the browser) into `keep`.
async fn take_download(s: &Harness, suffix: &str, keep: &Path, name: &str) -> PathBuf {
    let file = s.wait_download(suffix).await;
    let kept = keep.join(name);
    std::fs::rename(&file, &kept).unwrap();
    kept
}

#[tokio::test]
async fn stix_and_misp_exports_pass_the_consumers_own_checks() {
    let s = Harness::start(Config::default()).await;
    s.open_signed_in("analyst", "Network IoCs").await;
    let sids = s.sample_sids(&["invoice", "unicode", "xss", "dropper"]);
    s.fill("Submission IDs", &sids).await;
    // The ontology has every network tag: TLS SNI, ports, user agents, URI paths.
    s.choose("Source", "ontology").await;
    s.click_button("Show IoCs").await;
    s.wait_text(".run-progress", "Loaded 4 of 4").await;
    // Exports follow the filters; show safelisted values too, so every value is in each.
    s.field("Hide safelisted").await.click().await.unwrap();

    s.watch_csp().await;
    let keep = s.downloads.parent().unwrap().join("kept");
    std::fs::create_dir_all(&keep).unwrap();
    s.click_button("Export JSON").await;
    let json = take_download(&s, ".json", &keep, "export.json").await;
    s.click_button("Export STIX").await;
    let first = take_download(&s, "-stix.json", &keep, "first-stix.json").await;
    s.click_button("Export STIX").await;
    let second = take_download(&s, "-stix.json", &keep, "second-stix.json").await;

    let report = check("check_stix.py", &[&json, &first, &second]);
    assert!(report.contains("network.tls.sni"), "{report}");
    let bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&first).unwrap()).unwrap();
    let creator = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["type"] == "identity" && o["identity_class"] == "individual")
        .expect("an identity for the exporting user");
    assert_eq!(creator["name"], "analyst");

    s.click_button("Export MISP CSV").await;
    let misp = take_download(&s, "-misp.csv", &keep, "misp.csv").await;
    let report = check("check_misp.py", &[&json, &misp]);
    assert!(report.contains("all valid for MISP"), "{report}");
    let text = std::fs::read_to_string(&misp).unwrap();
    assert!(
        !text.lines().skip(1).any(|l| l.contains(",'")),
        "no spreadsheet guard in the MISP CSV:\n{text}"
    );
    assert_eq!(
        s.csp_violations().await,
        Vec::<serde_json::Value>::new(),
        "exports trip the Content-Security-Policy"
    );
    let page = s.page_text().await;
    assert!(
        page.contains("has_header"),
        "the page names MISP's import settings"
    );
    s.finish().await;
}
