//! What differs between the browsers the page is tested in (Chromium, Firefox ESR), each
//! asserted as that browser behaves (`AL_E2E_BROWSER` picks it): only Chromium has a save-file
//! picker, so only Chromium offers "Save straight to a file on disk"; scratch zips in the
//! origin private file system need a secure context, which plain http on loopback is and plain
//! http on a network address is not. There Firefox saves the zip (kept in memory) whole, while
//! Chromium blocks the download as insecure.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use al_e2e::mock_control::wait_zips;
use al_e2e::seed::{read_entry, seed_selection};
use al_e2e::{mock_al::Config, Browser, Harness};
use fantoccini::Locator;
use serde_json::{json, Value};

async fn connect_on_collect_tab(s: &Harness) {
    s.sign_in("analyst", "Collect files").await;
    s.field("Query").await;
}

#[tokio::test]
async fn save_to_disk_is_offered_only_where_the_browser_has_a_file_picker() {
    let s = Harness::start(Config::default()).await;
    s.open().await;
    connect_on_collect_tab(&s).await;
    let has_picker = s
        .js("return typeof window.showSaveFilePicker === 'function'")
        .await;
    // Chromium has had the picker since 86; Firefox has none (Mozilla declined the API).
    let expected = !Browser::current().is_firefox();
    assert_eq!(
        has_picker,
        json!(expected),
        "showSaveFilePicker in {}",
        Browser::current().name()
    );
    s.find_files().await;
    let offered = s
        .browser
        .find(Locator::XPath(
            "//label[contains(normalize-space(), 'Save straight to a file on disk')]",
        ))
        .await
        .is_ok();
    assert_eq!(
        offered,
        expected,
        "the save-to-disk choice in {}",
        Browser::current().name()
    );
    s.finish().await;
}

/// This machine's address on its network (not loopback): where the UDP socket would send to
/// a public address from. Connecting a UDP socket sends nothing.
fn network_address_if_any() -> Result<Ipv4Addr, String> {
    let socket = UdpSocket::bind("0.0.0.0:0").unwrap();
    let found = socket
        .connect("192.0.2.1:9")
        .and_then(|()| socket.local_addr())
        .map(|a| a.ip());
    match found {
        Ok(IpAddr::V4(ip)) if !ip.is_loopback() && !ip.is_unspecified() => Ok(ip),
        other => Err(format!(
            "no IPv4 address besides loopback on this machine (plain http there is not a \
             secure context); found {other:?}"
        )),
    }
}

fn network_address() -> Ipv4Addr {
    network_address_if_any().unwrap_or_else(|why| panic!("this test needs one: {why}"))
}

/// Connects at `origin`, checks that the page's context is `secure` or not, and collects the
/// default selection until the page says the zip is saved.
async fn collect_at(s: &Harness, origin: &str, secure: bool) {
    s.open_at(origin).await;
    assert_eq!(
        s.js("return window.isSecureContext").await,
        json!(secure),
        "{origin}"
    );
    connect_on_collect_tab(s).await;
    s.find_files().await;
    s.wait_text("table.files", "files qualify").await;
    s.click_button("Download zip").await;
    s.wait_text(".progress", "Zip handed to the browser").await;
}

/// Waits until chrome://downloads (read in a second tab) says a download was blocked;
/// returns what it says.
async fn chromium_blocked_download(s: &Harness) -> String {
    let page = s.browser.window().await.unwrap();
    let tab = s.browser.new_window(true).await.unwrap();
    s.browser.switch_to_window(tab.handle).await.unwrap();
    s.browser.goto("chrome://downloads").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut said = Value::Null;
    while Instant::now() < deadline {
        said = s
            .js("const m = document.querySelector('downloads-manager');
                 return [...(m?.shadowRoot?.querySelectorAll('downloads-item') ?? [])]
                   .map(i => i.shadowRoot.textContent.replace(/\\s+/g, ' ').trim());")
            .await;
        if let Some(blocked) = said
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .find(|t| t.contains("blocked"))
        {
            let blocked = blocked.to_string();
            s.browser.close_window().await.unwrap();
            s.browser.switch_to_window(page).await.unwrap();
            return blocked;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chrome://downloads shows no blocked download: {said}");
}

/// The scratch zips this origin holds in its private file system; None where the page
/// cannot reach that storage at all.
async fn scratch_zips(s: &Harness) -> Option<u64> {
    let count = s
        .js_async(
            "if (!navigator.storage || !navigator.storage.getDirectory) { done(null); } else {
               navigator.storage.getDirectory().then(async root => {
                 let n = 0;
                 try { for await (const _ of (await root.getDirectoryHandle('al-collector-zips')).keys()) n++; }
                 catch (e) {}
                 done(n);
               });
             }",
        )
        .await;
    count.as_u64()
}

/// The mock and the page on every interface: reachable through loopback and through this
/// machine's network address; the port.
async fn on_every_interface() -> (Harness, u16) {
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let s = Harness::start_on(
        listener,
        Config {
            dist: Some(al_e2e::dist_dir()),
            ..Config::default()
        },
    )
    .await;
    (s, port)
}

#[tokio::test]
async fn scratch_zips_need_a_secure_context_and_loopback_is_one() {
    let ip = network_address();
    let (s, port) = on_every_interface().await;
    let data = s.server.dataset();
    let downloadable: BTreeSet<String> = seed_selection(data, 7000)
        .into_iter()
        .filter(|sha| data.file_bytes(sha).is_some())
        .collect();
    let carts = |path: &PathBuf| -> BTreeSet<String> {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        let manifest: Value =
            serde_json::from_slice(&read_entry(&mut zip, "manifest.json")).unwrap();
        assert!(manifest["files"].is_array(), "{manifest}");
        zip.file_names()
            .filter_map(|n| n.ok()?.strip_suffix(".cart").map(str::to_string))
            .collect()
    };

    // Loopback over plain http is a secure context in both browsers: the zip is written to
    // a scratch file first.
    collect_at(&s, &format!("http://127.0.0.1:{port}/"), true).await;
    let first = wait_zips(&s.downloads, 1).await;
    assert_eq!(carts(&first[0]), downloadable);
    assert_eq!(
        scratch_zips(&s).await,
        Some(1),
        "one scratch zip on loopback"
    );

    // The same server at the machine's network address: not a secure context, no private
    // file system, so the page keeps the zip in memory.
    collect_at(&s, &format!("http://{ip}:{port}/"), false).await;
    assert_eq!(
        scratch_zips(&s).await,
        None,
        "no private file system over plain http at {ip}"
    );
    if Browser::current().is_firefox() {
        let zips = wait_zips(&s.downloads, 2).await;
        assert_eq!(carts(&zips[1]), downloadable, "Firefox saves the whole zip");
    } else {
        // Chromium refuses downloads from plain-http pages that are not on loopback.
        let said = chromium_blocked_download(&s).await;
        assert!(said.contains("secure connection"), "{said}");
        assert_eq!(al_e2e::mock_control::zips(&s.downloads), first, "{said}");
    }
    s.finish().await;
}

/// What the Collect tab and the IoC exports say about blocked downloads at `origin`: the
/// warnings shown (on the tab on screen).
async fn download_warnings(s: &Harness, origin: &str) -> Vec<String> {
    s.open_at(origin).await;
    s.sign_in("analyst", "Network IoCs").await;
    let sid = s
        .server
        .dataset()
        .sample_sid("invoice")
        .unwrap()
        .to_string();
    s.fill("Submission IDs", &sid).await;
    s.click_button("Show IoCs").await;
    s.wait_text(".run-progress", "Loaded 1 of 1").await;
    s.wait_for(Locator::XPath("//button[normalize-space()='Export JSON']"))
        .await;
    let mut said = Vec::new();
    for tab in ["Network IoCs", "Collect files"] {
        s.open_tab(tab).await;
        let shown = s
            .js(
                "return [...document.querySelectorAll('.blocked-downloads')]\
                   .filter(p => p.offsetParent).map(p => p.textContent)",
            )
            .await;
        said.extend(
            shown
                .as_array()
                .unwrap()
                .iter()
                .map(|t| format!("{tab}: {}", t.as_str().unwrap())),
        );
    }
    said
}

#[tokio::test]
async fn plain_http_off_loopback_says_downloads_may_be_blocked() {
    let ip = match network_address_if_any() {
        Ok(ip) => ip,
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let (s, port) = on_every_interface().await;
    let quiet = download_warnings(&s, &format!("http://127.0.0.1:{port}/")).await;
    assert!(quiet.is_empty(), "loopback is a secure context: {quiet:?}");

    let said = download_warnings(&s, &format!("http://{ip}:{port}/")).await;
    assert_eq!(said.len(), 2, "one warning on each tab: {said:?}");
    for words in &said {
        assert!(
            words.contains("Insecure download blocked") && words.contains("https"),
            "{words}"
        );
    }
    // A zip handed over there says what to do when no download comes.
    s.click_button("Find files").await;
    s.wait_text(".progress", "Scan complete").await;
    s.click_button("Download zip").await;
    let line = s.wait_text(".progress", "Zip handed to the browser").await;
    assert!(
        line.contains("If no download appears, the browser blocked it"),
        "{line}"
    );
    assert!(
        line.contains("plain-http page on another computer"),
        "{line}"
    );
    s.finish().await;
}
