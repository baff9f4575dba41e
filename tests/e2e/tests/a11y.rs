//! Accessibility, in the browser: axe-core (installed by scripts/setup.sh into `.tools/`) runs
//! on every tab before and after a run, in the light and the dark colour scheme, and fails on
//! any serious or critical violation; the keyboard walks the tabs as the WAI-ARIA tabs
//! pattern says, and focus follows a run and comes back to its button.

use std::time::{Duration, Instant};

use al_e2e::mock_al::Config;
use al_e2e::{repo_root, Harness};
use fantoccini::key::Key;
use fantoccini::Locator;

/// Violations that fail the run whatever axe's impact says: faults this page once had, kept
/// from coming back.
const ALWAYS_FAIL: [&str; 4] = [
    "color-contrast",
    "heading-order",
    "region",
    "aria-required-children",
];

async fn inject_axe(s: &Harness) {
    let path = repo_root().join(".tools/axe-core/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): run `bash scripts/setup.sh` (it installs axe-core)",
            path.display()
        )
    });
    // WebDriver scripts are exempt from the page's CSP, as browser extensions are.
    s.js(&format!("{source}\nreturn typeof axe;")).await;
}

/// Runs axe on the page as it is; prints every violation; returns the failing ones.
async fn axe(s: &Harness, moment: &str) -> Vec<String> {
    if s.js("return typeof axe").await != "object" {
        inject_axe(s).await;
    }
    let results = s
        .js_async(
            "axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] })
                .then(r => done({
                    violations: r.violations.map(v => ({
                        id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary).slice(0, 5),
                        count: v.nodes.length,
                    })),
                    passes: r.passes.length,
                    contrast: (r.passes.find(p => p.id === 'color-contrast') || { nodes: [] }).nodes.length,
                    unsure: r.incomplete.map(v => v.id + ' (' + v.nodes.length + ')'),
                }), e => done({ error: String(e) }));",
        )
        .await;
    let violations = results["violations"]
        .as_array()
        .unwrap_or_else(|| panic!("axe failed at {moment}: {results}"));
    println!(
        "axe at {moment}: {} violations; {} rules passed, {} elements of sufficient contrast; \
         needs review: {}",
        violations.len(),
        results["passes"],
        results["contrast"],
        results["unsure"]
    );
    let mut failing = Vec::new();
    for v in violations {
        let (id, impact) = (
            v["id"].as_str().unwrap(),
            v["impact"].as_str().unwrap_or(""),
        );
        println!("  [{impact}] {id} ({} elements): {}", v["count"], v["help"]);
        for node in v["nodes"].as_array().unwrap() {
            println!("      {}", node.as_str().unwrap_or_default());
        }
        if matches!(impact, "serious" | "critical") || ALWAYS_FAIL.contains(&id) {
            failing.push(format!("{moment}: [{impact}] {id} — {}", v["help"]));
        }
    }
    failing
}

/// Every tab in turn, each checked by axe.
async fn each_tab(s: &Harness, moment: &str, failing: &mut Vec<String>) {
    for tab in ["Server", "Network IoCs", "Collect files"] {
        s.open_tab(tab).await;
        failing.extend(axe(s, &format!("{tab} tab, {moment}")).await);
    }
}

async fn walk_with_runs(s: &Harness) -> Vec<String> {
    let mut failing = Vec::new();
    s.open().await;
    each_tab(s, "before connecting", &mut failing).await;
    s.open_tab("Server").await;
    s.sign_in("analyst", "Server").await;
    each_tab(s, "connected, before any run", &mut failing).await;

    let sids = s.sample_sids(&["invoice", "unicode", "xss", "dropper"]);
    s.open_tab("Network IoCs").await;
    s.fill("Submission IDs", &sids).await;
    s.click_button("Show IoCs").await;
    s.wait_text(".run-progress", "Loaded 4 of 4").await;
    s.wait_for(Locator::Css(".verdict.suspicious")).await;
    s.open_tab("Collect files").await;
    s.find_files().await;
    s.wait_text("table.files", "files qualify").await;
    each_tab(s, "after a run", &mut failing).await;
    failing
}

#[tokio::test]
async fn axe_finds_nothing_serious_on_any_tab_light_and_dark() {
    let s = Harness::start(Config::default()).await;
    let mut failing = walk_with_runs(&s).await;
    s.finish().await;

    let s = Harness::start_with_browser_args(Config::default(), &["--force-dark-mode"]).await;
    s.open().await;
    assert_eq!(
        s.js("return matchMedia('(prefers-color-scheme: dark)').matches")
            .await,
        true,
        "the browser is in dark mode"
    );
    let bg = s
        .js("return getComputedStyle(document.documentElement).backgroundColor")
        .await;
    assert_eq!(bg, "rgb(18, 20, 23)", "the page follows the dark scheme");
    failing.extend(
        walk_with_runs(&s)
            .await
            .into_iter()
            .map(|f| format!("dark: {f}")),
    );
    s.finish().await;
    assert!(
        failing.is_empty(),
        "axe violations:\n{}",
        failing.join("\n")
    );
}

/// What has keyboard focus: its id, or its tag and classes.
async fn focused(s: &Harness) -> String {
    s.js("const a = document.activeElement; return a.id || (a.tagName + '.' + a.className)")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn wait_focus(s: &Harness, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = focused(s).await;
        if now == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "focus is on {now:?}, never on {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Records every element that takes focus from now on, in order.
const LOG_FOCUS: &str = "
    window.__focusLog = [];
    document.addEventListener('focusin', e => window.__focusLog.push(
        e.target.id || (e.target.tagName + '.' + e.target.className)));
    return true;";

async fn focus_log(s: &Harness) -> Vec<String> {
    serde_json::from_value(s.js("return window.__focusLog").await).unwrap()
}

#[tokio::test]
async fn tabs_follow_the_keyboard_and_focus_follows_runs() {
    let s = Harness::start(Config::default()).await;
    s.open().await;
    // The tab strip: a tablist in a navigation landmark, each tab tied to its panel.
    let strip = s
        .js("const l = document.querySelector('[role=tablist]');
             return { landmark: l.closest('nav, header, main, [role=navigation]') !== null,
                      tabs: [...l.querySelectorAll('[role=tab]')].map(t => [t.id, t.getAttribute('aria-controls'),
                          t.getAttribute('aria-selected'), t.tabIndex]) }")
        .await;
    assert_eq!(strip["landmark"], true);
    assert_eq!(
        strip["tabs"],
        serde_json::json!([
            ["tab-server", "panel-server", "true", 0],
            ["tab-iocs", "panel-iocs", "false", -1],
            ["tab-collect", "panel-collect", "false", -1]
        ])
    );
    let labelled = s
        .js("return [...document.querySelectorAll('[role=tabpanel]')].map(p => p.getAttribute('aria-labelledby'))")
        .await;
    assert_eq!(
        labelled,
        serde_json::json!(["tab-server", "tab-iocs", "tab-collect"])
    );

    // Arrow keys move the selection and the focus; Home and End jump; the strip wraps.
    let tab = s.wait_for(Locator::Id("tab-server")).await;
    tab.send_keys(&Key::Right).await.unwrap();
    wait_focus(&s, "tab-iocs").await;
    let shown = s
        .js("return document.getElementById('panel-iocs').hidden")
        .await;
    assert_eq!(shown, false, "the IoC panel shows with its tab");
    let active = s.browser.active_element().await.unwrap();
    active.send_keys(&Key::End).await.unwrap();
    wait_focus(&s, "tab-collect").await;
    let active = s.browser.active_element().await.unwrap();
    active.send_keys(&Key::Right).await.unwrap();
    wait_focus(&s, "tab-server").await;
    let active = s.browser.active_element().await.unwrap();
    active.send_keys(&Key::Left).await.unwrap();
    wait_focus(&s, "tab-collect").await;
    let active = s.browser.active_element().await.unwrap();
    active.send_keys(&Key::Home).await.unwrap();
    wait_focus(&s, "tab-server").await;
    let selected = s
        .js("return document.getElementById('tab-server').getAttribute('aria-selected')")
        .await;
    assert_eq!(selected, "true");

    // Headings go one level at a time.
    let levels = s
        .js("return [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])")
        .await;
    let levels: Vec<u8> = serde_json::from_value(levels).unwrap();
    assert_eq!(levels.first(), Some(&1));
    for pair in levels.windows(2) {
        assert!(pair[1] <= pair[0] + 1, "heading jump in {levels:?}");
    }

    s.sign_in("analyst", "Network IoCs").await;

    // Show IoCs: focus goes to the results while the button is disabled, then back to it.
    let sid = s.server.dataset().sample_sid("invoice").unwrap();
    s.fill("Submission IDs", sid).await;
    s.js(LOG_FOCUS).await;
    s.click_button("Show IoCs").await;
    s.wait_text(".run-progress", "Loaded 1 of 1").await;
    wait_focus(&s, "ioc-show").await;
    let log = focus_log(&s).await;
    let results = log.iter().position(|f| f.contains("ioc-results"));
    assert!(
        results.is_some(),
        "focus never went to the results: {log:?}"
    );
    assert_eq!(log.last().map(String::as_str), Some("ioc-show"), "{log:?}");

    // Find files: the same with the progress lines.
    s.open_tab("Collect files").await;
    s.js(LOG_FOCUS).await;
    s.find_files().await;
    wait_focus(&s, "collect-find").await;
    let log = focus_log(&s).await;
    assert!(
        log.iter().any(|f| f.contains("progress")),
        "focus never went to the progress lines: {log:?}"
    );
    assert_eq!(
        log.last().map(String::as_str),
        Some("collect-find"),
        "{log:?}"
    );
    s.finish().await;
}
