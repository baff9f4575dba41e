//! End-to-end harness: the built page (`dist/`) served by the mock Assemblyline server on one
//! origin, a private WebDriver server with a headless browser (Chromium, or Firefox ESR with
//! `AL_E2E_BROWSER=firefox`: see [`browser`]), and the steps a user takes, found the way a
//! user finds them (labels and button texts, not internal ids).

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use mock_al::{Config, MockServer};
use serde_json::Value;

pub use browser::Browser;

pub use mock_al;

pub mod browser;
pub mod csp_watch;
pub mod guide;
pub mod mock_control;
pub mod nginx;
pub mod seed;

/// Where the built page is: `AL_DIST`, or `dist/` at the repository root.
pub fn dist_dir() -> PathBuf {
    let dir = std::env::var_os("AL_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist"));
    assert!(
        dir.join("index.html").is_file(),
        "the page is not built: {} has no index.html — run `bash scripts/build.sh` (scripts/test.sh does)",
        dir.display()
    );
    dir
}

pub fn user(name: &str) -> mock_al::DemoUser {
    mock_al::demo_users()
        .into_iter()
        .find(|u| u.user == name)
        .expect("demo user")
}

/// A running WebDriver server (chromedriver or geckodriver), killed with the test.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(browser: Browser) -> Driver {
        let port = free_port();
        let child = browser.start_driver(port);
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The driver's whole process group: the driver and the browser it started.
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(std::process::Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nothing listens on yet.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One test's world: mock server with the page, a browser, a download folder.
pub struct Harness {
    pub browser: Client,
    pub server: MockServer,
    pub downloads: PathBuf,
    profile: PathBuf,
    _driver: Driver,
}

impl Harness {
    /// The mock server serving the built page (`dist_dir()`), and a fresh browser.
    pub async fn start(config: Config) -> Harness {
        Harness::start_with(Config {
            dist: Some(dist_dir()),
            ..config
        })
        .await
    }

    /// Opens the page as the analyst would, at the server's root.
    pub async fn open(&self) {
        self.browser.goto(&self.server.url()).await.unwrap();
        self.wait_for(Locator::XPath("//button[normalize-space()='Connect']"))
            .await;
    }

    pub async fn fill(&self, label: &str, text: &str) {
        let field = self.field(label).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// The form control a `<label>` with this text names, in the tab on screen (every tab
    /// stays in the page, hidden, so labels may repeat across tabs).
    pub async fn field(&self, label: &str) -> fantoccini::elements::Element {
        let xpath = format!(
            "//*[@id=//label[normalize-space()='{label}' and not(ancestor::section[@hidden])]/@for]"
        );
        self.wait_for(Locator::XPath(&xpath)).await
    }

    /// What the form control labelled `label` holds now (its `value`).
    pub async fn field_value(&self, label: &str) -> String {
        self.field(label)
            .await
            .prop("value")
            .await
            .unwrap_or_else(|e| panic!("cannot read the value of {label:?}: {e}"))
            .unwrap_or_default()
    }

    /// Chooses the option whose value is `value` in the list labelled `label`.
    pub async fn choose(&self, label: &str, value: &str) {
        self.field(label)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("cannot choose {value:?} in {label:?}: {e}"));
    }

    /// Clicks the enabled button with this text in the tab on screen (or the page header).
    pub async fn click_button(&self, text: &str) {
        let xpath = format!(
            "//button[normalize-space()='{text}' and not(@disabled) and not(ancestor::section[@hidden])]"
        );
        // A button the page is still moving (a redraw above it landing) can be covered for a
        // moment: WebDriver then refuses the click, as a user's would land elsewhere. Found
        // again and clicked again, as a user would.
        for attempt in 1.. {
            let button = self.wait_for(Locator::XPath(&xpath)).await;
            match button.click().await {
                Ok(()) => return,
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::ElementClickIntercepted
                        && attempt < 20 =>
                {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot click {text:?}: {e}"),
            }
        }
    }

    /// Switches to a tab by its visible name ("Server", "Network IoCs", "Collect files").
    pub async fn open_tab(&self, name: &str) {
        let xpath = format!("//button[@role='tab' and normalize-space()='{name}']");
        self.wait_for(Locator::XPath(&xpath))
            .await
            .click()
            .await
            .unwrap();
    }

    pub async fn connect(&self, user: &str, key: &str) {
        self.fill("Username", user).await;
        self.fill("API key", key).await;
        self.click_button("Connect").await;
    }

    pub async fn wait_for(&self, locator: Locator<'_>) -> fantoccini::elements::Element {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(found) = self.browser.find(locator).await {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {locator:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element's text contains `needle`; returns the whole text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        self.text_within(css, needle, Duration::from_secs(60))
            .await
            .unwrap_or_else(|last| {
                panic!("timed out waiting for {needle:?} in {css}; last text: {last:?}")
            })
    }

    /// The element's whole text once it contains `needle`, or the last text seen when
    /// `within` passed first.
    pub async fn text_within(
        &self,
        css: &str,
        needle: &str,
        within: Duration,
    ) -> Result<String, String> {
        let deadline = Instant::now() + within;
        let mut last = String::new();
        loop {
            if let Ok(found) = self.browser.find(Locator::Css(css)).await {
                last = found.text().await.unwrap_or_default();
                if last.contains(needle) {
                    return Ok(last);
                }
            }
            if Instant::now() >= deadline {
                return Err(last);
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Waits for a finished download whose name ends with `suffix`.
    pub async fn wait_download(&self, suffix: &str) -> PathBuf {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if !browser::downloading(&self.downloads) {
                if let Some(done) = browser::finished(&self.downloads)
                    .into_iter()
                    .find(|p| p.to_string_lossy().ends_with(suffix))
                {
                    return done;
                }
            }
            assert!(
                Instant::now() < deadline,
                "no *{suffix} download appeared in {}",
                self.downloads.display()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Takes writable OPFS files away from the page, as in browsers without them (Safari,
    /// plain http): zips are then kept in memory.
    pub async fn hide_scratch_files(&self) {
        self.js("delete FileSystemFileHandle.prototype.createWritable; return 1")
            .await;
    }

    /// When the Collect tab's download is over (Download zip disabled again), how many zips it
    /// lists as saved; None while it still runs.
    pub async fn download_over(&self) -> Option<usize> {
        self.browser
            .execute(
                "const b = [...document.querySelectorAll('button')]\
                   .find(b => b.textContent === 'Download zip' && b.offsetParent);\
                 return b && b.disabled ? document.querySelectorAll('.progress .saved').length : null;",
                vec![],
            )
            .await
            .ok()?
            .as_u64()
            .map(|n| n as usize)
    }

    /// Scrolls to each group of the IoC view in turn, as an analyst would (a group draws its
    /// rows only near the screen), waits until it has drawn them, and returns `per_group`
    /// evaluated with the group's section as `g`, one value per group, top to bottom.
    pub async fn each_ioc_group(&self, per_group: &str) -> Vec<Value> {
        let found = self
            .js_async(&format!(
                "(async () => {{\
                   const out = [];\
                   for (const g of document.querySelectorAll('#panel-iocs section.group')) {{\
                     g.scrollIntoView();\
                     for (let k = 0; k < 300 && g.querySelector('.rows') && !g.querySelector('tbody tr:not(.spacer)'); k++)\
                       await new Promise(r => requestAnimationFrame(r));\
                     out.push(((g) => {{ {per_group} }})(g));\
                   }}\
                   window.scrollTo(0, 0);\
                   done(out);\
                 }})().catch(e => done(String(e)));"
            ))
            .await;
        match found {
            Value::Array(values) => values,
            other => panic!("the IoC groups could not be read: {other}"),
        }
    }

    /// Every sha256 and SID link in `panel` leads to its page in the Assemblyline UI (the
    /// mock's origin: the page's own), in a new tab with no handle back; returns how many file
    /// and submission links there are.
    pub async fn links_back(&self, panel: &str) -> (usize, usize) {
        let links = self
            .js(&format!(
                "return [...document.querySelectorAll('{panel} a.sha, {panel} a.sid')]\
                   .map(a => [a.className, a.textContent, a.getAttribute('href'), a.target, a.rel]);"
            ))
            .await;
        let origin = self.server.url().trim_end_matches('/').to_string();
        let (mut files, mut sids) = (0, 0);
        for l in links.as_array().unwrap() {
            let (class, text, href) = (
                l[0].as_str().unwrap(),
                l[1].as_str().unwrap(),
                l[2].as_str().unwrap(),
            );
            let (route, id) = if class.contains("sha") {
                files += 1;
                // A shortened hash ("01234567…89abcdef") still leads to the whole one.
                ("file", href.rsplit('/').next().unwrap_or(""))
            } else {
                sids += 1;
                ("submission", text)
            };
            // A shortened hash ("01234567…89abcdef") shows both ends of the whole one its
            // link leads to.
            let (head, tail) = text.split_once('…').unwrap_or((text, ""));
            assert!(
                head.len() >= 8 && id.starts_with(head) && id.ends_with(tail),
                "{l}"
            );
            assert_eq!(href, format!("{origin}/{route}/detail/{id}"), "{l}");
            assert_eq!(l[3], "_blank", "{l}");
            let rel = l[4].as_str().unwrap();
            assert!(
                rel.contains("noopener") && rel.contains("noreferrer"),
                "{l}"
            );
        }
        (files, sids)
    }

    /// Waits until the Collect tab's run is over (Cancel disabled again, a zip listed) and
    /// returns every zip it saved, once on disk.
    pub async fn collection_over(&self, within: Duration) -> Vec<PathBuf> {
        let deadline = Instant::now() + within;
        let saved = loop {
            let v = self
                .js(
                    "const c = [...document.querySelectorAll('button')]\
                       .find(b => b.textContent === 'Cancel' && b.offsetParent);\
                     return c && c.disabled ? document.querySelectorAll('.progress .saved').length : null;",
                )
                .await;
            if let Some(n) = v.as_u64().filter(|n| *n > 0) {
                break n as usize;
            }
            assert!(Instant::now() < deadline, "the run never ended");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        mock_control::wait_zips(&self.downloads, saved).await
    }

    /// Signs in as the demo user `who` on a page already open and shows `tab`, as an analyst
    /// starts every visit.
    pub async fn sign_in(&self, who: &str, tab: &str) {
        let account = user(who);
        self.connect(account.user, account.apikey).await;
        self.wait_text(".identity", &format!("Connected as {who}"))
            .await;
        self.open_tab(tab).await;
    }

    /// Opens the page at the server's root and signs in as `who` on `tab`: how most tests begin.
    pub async fn open_signed_in(&self, who: &str, tab: &str) {
        self.open().await;
        self.sign_in(who, tab).await;
    }

    /// Opens the page, sets the Server tab's "Parallel calls" (None keeps the page's default)
    /// and signs in as the analyst on the Collect tab.
    pub async fn open_collect(&self, parallel: Option<usize>) {
        self.open().await;
        if let Some(n) = parallel {
            self.fill("Parallel calls", &n.to_string()).await;
        }
        self.sign_in("analyst", "Collect files").await;
    }

    /// Waits until the Collect tab's progress counts at least `files` downloaded; returns its
    /// text then (the run may still be going: the caller checks what it needs).
    pub async fn wait_downloaded(&self, files: usize) -> String {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let progress = self.wait_text(".progress", "Downloaded: ").await;
            let done = progress
                .split("Downloaded: ")
                .nth(1)
                .and_then(|t| t.split_whitespace().next())
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0);
            if done >= files {
                return progress;
            }
            assert!(
                Instant::now() < deadline,
                "never {files} downloaded: {progress}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks Find files on the Collect tab and waits for the end of the scan; returns the
    /// progress lines then.
    pub async fn find_files(&self) -> String {
        self.click_button("Find files").await;
        self.wait_text(".progress", "Scan complete").await
    }

    /// The sids of the mock's hand-made samples with these labels (see `mock_al::SAMPLE_LABELS`),
    /// one space between each, as an analyst pastes them into "Submission IDs".
    pub fn sample_sids(&self, labels: &[&str]) -> String {
        let data = self.server.dataset();
        let sids: Vec<&str> = labels
            .iter()
            .map(|l| {
                data.sample_sid(l)
                    .unwrap_or_else(|| panic!("no sample {l:?}"))
            })
            .collect();
        sids.join(" ")
    }

    pub async fn page_text(&self) -> String {
        self.browser
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn finish(self) {
        let _ = self.browser.close().await;
        self.server.stop().await;
        let _ = std::fs::remove_dir_all(self.profile.parent().unwrap());
    }
}

async fn connect_with_retry(
    webdriver: &str,
    capabilities: serde_json::Map<String, Value>,
) -> Client {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(webdriver)
            .await
        {
            Ok(client) => return client,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!(
                "cannot open a {} session through its WebDriver server: {e}",
                Browser::current().name()
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Deployment and page-security helpers (tests/deploy.rs, tests/security.rs): a page served by
// someone else (nginx, a file:// URL, a single-file build), scripts run in the page, plain HTTP.

/// The repository root (where `scripts/` and `deploy/` are).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

impl Harness {
    /// Like [`Harness::start`], but the mock server gets `config` exactly as given: with
    /// `dist: None` it is only the Assemblyline API, for a page served by someone else (nginx,
    /// `file://`); with `dist: Some(dir)` it serves that folder instead of the built page.
    pub async fn start_with(config: Config) -> Harness {
        Harness::start_with_args(config, &[]).await
    }

    /// Like [`Harness::start`], with more Chromium flags (e.g. `--force-dark-mode`, which
    /// makes the page see `prefers-color-scheme: dark`).
    pub async fn start_with_browser_args(config: Config, args: &[&str]) -> Harness {
        let config = Config {
            dist: Some(dist_dir()),
            ..config
        };
        Harness::start_with_args(config, args).await
    }

    async fn start_with_args(config: Config, extra_args: &[&str]) -> Harness {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Harness::start_on_with_args(listener, config, extra_args).await
    }

    /// Like [`Harness::start_with`], with the mock server on a listener of the caller's
    /// (another address than loopback, for a page on an origin that is not a secure context).
    pub async fn start_on(listener: tokio::net::TcpListener, config: Config) -> Harness {
        Harness::start_on_with_args(listener, config, &[]).await
    }

    async fn start_on_with_args(
        listener: tokio::net::TcpListener,
        config: Config,
        extra_args: &[&str],
    ) -> Harness {
        let server = mock_al::start(listener, config)
            .await
            .expect("mock server starts");
        let browser = Browser::current();
        let driver = Driver::start(browser);
        let scratch =
            std::env::temp_dir().join(format!("al-e2e-{}-{}", std::process::id(), driver.port));
        let downloads = scratch.join("downloads");
        let profile = scratch.join("profile");
        std::fs::create_dir_all(&downloads).unwrap();
        let mut capabilities = browser.capabilities(&downloads, &profile);
        // Extra flags are Chromium's (e.g. a dark page); Firefox takes none.
        if let Some(args) = capabilities
            .get_mut("goog:chromeOptions")
            .and_then(|o| o.get_mut("args"))
            .and_then(Value::as_array_mut)
        {
            args.extend(extra_args.iter().map(|a| Value::from(*a)));
        }
        let webdriver = format!("http://127.0.0.1:{}", driver.port);
        let browser = connect_with_retry(&webdriver, capabilities).await;
        Harness {
            browser,
            server,
            downloads,
            profile,
            _driver: driver,
        }
    }

    /// Opens the page at any URL (another server, a sub-path, `file://…`) and waits until the
    /// page has started (its Connect button is there).
    pub async fn open_at(&self, url: &str) {
        self.browser.goto(url).await.unwrap();
        self.wait_for(Locator::XPath("//button[normalize-space()='Connect']"))
            .await;
    }

    /// Runs `script` (a function body; `return` gives the value) in the page.
    pub async fn js(&self, script: &str) -> Value {
        self.browser
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed in the page: {e}\n{script}"))
    }

    /// Runs `script` asynchronously: it ends by calling `done(value)`.
    pub async fn js_async(&self, script: &str) -> Value {
        let body = format!("const done = arguments[arguments.length - 1];\n{script}");
        self.browser
            .execute_async(&body, vec![])
            .await
            .unwrap_or_else(|e| panic!("async script failed in the page: {e}\n{script}"))
    }
}

impl Harness {
    /// Records every Content-Security-Policy violation the page reports from now on (read
    /// them with [`Harness::csp_violations`]); a reload forgets the watch.
    pub async fn watch_csp(&self) {
        self.js("window.__cspViolations = [];
             document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push({
                 blocked: e.blockedURI, directive: e.effectiveDirective, disposition: e.disposition,
             }));
             return true;")
            .await;
    }

    /// The violations recorded since [`Harness::watch_csp`].
    pub async fn csp_violations(&self) -> Vec<Value> {
        self.js("return window.__cspViolations")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// The Content-Security-Policy of a page's `<meta http-equiv>` tag, read from its HTML.
pub fn meta_csp(html: &str) -> Option<String> {
    let tag_start = html.find("<meta http-equiv=\"Content-Security-Policy\"")?;
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>')?];
    let value = tag.split("content=\"").nth(1)?;
    Some(value[..value.find('"')?].to_string())
}
