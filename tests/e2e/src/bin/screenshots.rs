//! Screenshots of each tab, light and dark, for the docs: the built page against the mock
//! server's demo data, driven as an analyst would (connect, show IoCs, find files), saved as
//! `docs/screenshots/<tab>-<light|dark>.png` at a fixed window size. Run from the repository
//! root after `bash scripts/build.sh`: `cargo run -p al-e2e --bin screenshots`.

use std::path::Path;

#[path = "screenshots/palette.rs"]
mod palette;

use al_e2e::mock_al::Config;
use al_e2e::{repo_root, Harness};
use fantoccini::Locator;

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 860;
/// The demo submissions the IoC tab shows: a little of every kind of value.
const SAMPLES: [&str; 4] = ["invoice", "unicode", "dropper", "xss"];

#[tokio::main]
async fn main() {
    let out = repo_root().join("docs/screenshots");
    std::fs::create_dir_all(&out).unwrap();
    for (scheme, args) in [("light", &[][..]), ("dark", &["--force-dark-mode"][..])] {
        let s = Harness::start_with_browser_args(Config::default(), args).await;
        // The window holds more than the page (the browser's own frame): sized so the
        // page itself gets WIDTH × HEIGHT.
        s.browser.set_window_size(WIDTH, HEIGHT).await.unwrap();
        let inner = s.js("return [innerWidth, innerHeight]").await;
        let frame = |i: usize, want: u32| 2 * want - inner[i].as_u64().unwrap() as u32;
        s.browser
            .set_window_size(frame(0, WIDTH), frame(1, HEIGHT))
            .await
            .unwrap();
        s.open().await;
        let dark = s
            .js("return matchMedia('(prefers-color-scheme: dark)').matches")
            .await;
        assert_eq!(dark, (scheme == "dark"), "the browser's colour scheme");

        s.sign_in("analyst", "Server").await;
        shoot(&s, &out, "server", scheme).await;

        let data = s.server.dataset();
        let sids: Vec<&str> = SAMPLES
            .iter()
            .map(|label| data.sample_sid(label).unwrap())
            .collect();
        s.open_tab("Network IoCs").await;
        s.fill("Submission IDs", &sids.join(" ")).await;
        s.click_button("Show IoCs").await;
        s.wait_text(
            ".run-progress",
            &format!("Loaded {n} of {n}", n = sids.len()),
        )
        .await;
        s.wait_for(Locator::Css(".verdict.malicious")).await;
        s.js("document.querySelector('#panel-iocs .run-progress').scrollIntoView(); return 1")
            .await;
        shoot(&s, &out, "iocs", scheme).await;

        s.open_tab("Collect files").await;
        s.fill("Score threshold", "300").await;
        s.click_button("Find files").await;
        s.wait_text(".progress", "Scan complete").await;
        s.wait_text("table.files", "files qualify").await;
        // The preview is the tab's point: scrolled so its first rows are in the picture.
        s.js("document.querySelector('#panel-collect .progress').scrollIntoView(); return 1")
            .await;
        // Down the preview (best score first) to where the verdicts change from malicious.
        s.js_async(
            "const box = document.querySelector('.table-scroll');
             const step = () => {
               const row = [...box.querySelectorAll('tbody tr')]
                 .find(tr => tr.querySelector('.verdict.score:not(.malicious)'));
               if (row) { box.scrollTop = Math.max(0, row.offsetTop - 12 * 30); requestAnimationFrame(() => requestAnimationFrame(() => done(1))); }
               else if (box.scrollTop + box.clientHeight >= box.scrollHeight) { done(0); }
               else { box.scrollTop += 300; requestAnimationFrame(() => requestAnimationFrame(step)); }
             };
             step();",
        )
        .await;
        shoot(&s, &out, "collect", scheme).await;

        s.finish().await;
    }
}

/// Saves the window as `<tab>-<scheme>.png`, with no focus ring or caret in the picture.
async fn shoot(s: &Harness, out: &Path, tab: &str, scheme: &str) {
    s.js("document.activeElement && document.activeElement.blur(); return 1")
        .await;
    let png = palette::shrink(&s.browser.screenshot().await.unwrap());
    let path = out.join(format!("{tab}-{scheme}.png"));
    std::fs::write(&path, &png).unwrap();
    println!("{} ({} KB)", path.display(), png.len() / 1024);
}
