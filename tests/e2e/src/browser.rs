//! Which browser the end-to-end tests drive: headless Chromium (chromedriver) by default, or
//! Firefox ESR (geckodriver) with `AL_E2E_BROWSER=firefox`. Everything that differs between the
//! two for the harness is here: the WebDriver server, the capabilities that make downloads land
//! in the test's folder without a question, and how each marks a download still being written.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Browser {
    Chromium,
    Firefox,
}

impl Browser {
    /// The browser `AL_E2E_BROWSER` names (`chromium`, the default, or `firefox`).
    pub fn current() -> Browser {
        match std::env::var("AL_E2E_BROWSER").as_deref() {
            Err(_) | Ok("") | Ok("chromium") | Ok("chrome") => Browser::Chromium,
            Ok("firefox") | Ok("firefox-esr") => Browser::Firefox,
            Ok(other) => panic!(
                "AL_E2E_BROWSER={other:?} is not a browser these tests drive: use chromium or firefox"
            ),
        }
    }

    pub fn is_firefox(self) -> bool {
        self == Browser::Firefox
    }

    pub fn name(self) -> &'static str {
        match self {
            Browser::Chromium => "Chromium",
            Browser::Firefox => "Firefox",
        }
    }

    /// Starts this browser's WebDriver server on `port`, leading a new process group (which
    /// the caller kills).
    pub(crate) fn start_driver(self, port: u16) -> Child {
        let (variable, default, package) = match self {
            Browser::Chromium => ("CHROMEDRIVER", "chromedriver", "Debian chromium-driver"),
            Browser::Firefox => ("GECKODRIVER", "geckodriver", "geckodriver (cargo install)"),
        };
        let binary = std::env::var(variable).unwrap_or_else(|_| default.into());
        let mut command = Command::new(&binary);
        match self {
            Browser::Chromium => {
                command.arg(format!("--port={port}"));
            }
            Browser::Firefox => {
                // Marionette (by default) and the BiDi WebSocket on ports of the system's choosing, so two
                // harnesses (or two test runs) never meet on the fixed defaults.
                command.args(["--host", "127.0.0.1", "--port", &port.to_string()]);
                command.args(["--websocket-port", "0"]);
            }
        }
        // AL_E2E_DRIVER_LOG=1 shows the driver's (and for Firefox the page console's) output.
        // A process group of its own, which the browser it starts joins: dropping the harness
        // kills the group, so a test that fails before closing its browser leaves none behind.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let log = std::env::var_os("AL_E2E_DRIVER_LOG").is_some();
        let output = || if log { Stdio::inherit() } else { Stdio::null() };
        command
            .stdout(output())
            .stderr(output())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {binary} ({e}): run scripts/setup.sh to install {package}")
            })
    }

    /// New-session capabilities: headless, a fresh profile in `profile`, every download saved
    /// into `downloads` without asking, TLS certificates the deployment tests make accepted.
    pub(crate) fn capabilities(self, downloads: &Path, profile: &Path) -> Map<String, Value> {
        let downloads = downloads.display().to_string();
        let capabilities = match self {
            Browser::Chromium => json!({
                "acceptInsecureCerts": true,
                "goog:chromeOptions": {
                    "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--no-first-run", "--window-size=1400,1000",
                        format!("--user-data-dir={}", profile.display()),
                    ],
                    "prefs": {
                        "download.default_directory": downloads,
                        "download.prompt_for_download": false,
                        "profile.default_content_setting_values.automatic_downloads": 1
                    }
                }
            }),
            Browser::Firefox => {
                std::fs::create_dir_all(profile).unwrap();
                json!({
                    "acceptInsecureCerts": true,
                    "moz:firefoxOptions": {
                        "binary": std::env::var("FIREFOX").unwrap_or_else(|_| "/usr/bin/firefox-esr".into()),
                        "args": ["-headless", "-profile", profile.display().to_string()],
                        // Headless Firefox takes its window size from these, not from flags.
                        "env": {"MOZ_HEADLESS_WIDTH": "1400", "MOZ_HEADLESS_HEIGHT": "1000"},
                        "prefs": {
                            // Saved into the test's folder, never asked about, never opened.
                            "browser.download.folderList": 2,
                            "browser.download.dir": downloads,
                            "browser.download.useDownloadDir": true,
                            "browser.download.always_ask_before_handling_new_types": false,
                            "browser.helperApps.neverAsk.saveToDisk":
                                "application/zip,application/json,text/csv,text/plain,application/octet-stream",
                            "browser.download.alwaysOpenPanel": false,
                            "browser.download.open_pdf_attachments_inline": false,
                            "pdfjs.disabled": true,
                            // Partial downloads as `<name>.part` beside the final name, in
                            // the folder the test watches (not in a temporary folder).
                            "browser.download.start_downloads_in_tmp_dir": false,
                            // Quiet: nothing fetched from Mozilla while a test runs.
                            "app.update.disabledForTesting": true,
                            "browser.safebrowsing.downloads.enabled": false,
                            "browser.safebrowsing.malware.enabled": false,
                            "browser.safebrowsing.phishing.enabled": false,
                            "datareporting.policy.dataSubmissionEnabled": false,
                            "network.captive-portal-service.enabled": false,
                            "network.connectivity-service.enabled": false,
                            "extensions.update.enabled": false,
                            // No "save this password?" door-hanger over the API key field.
                            "signon.rememberSignons": false,
                            // The page's console on the driver's output (AL_E2E_DRIVER_LOG=1).
                            "devtools.console.stdout.content": true
                        }
                    }
                })
            }
        };
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        capabilities
    }
}

/// A file a browser is still writing: Chromium's `<name>.crdownload`, Firefox's `<name>.part`
/// (Firefox also puts an empty placeholder under the final name until it is done).
pub fn is_partial(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "crdownload" || e == "part")
        || std::fs::metadata(path).is_ok_and(|m| m.len() == 0)
}

/// True while a download into `dir` is under way.
pub fn downloading(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|d| d.flatten().any(|e| is_partial(&e.path())))
}

/// The finished downloads in `dir`, sorted by name.
pub fn finished(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| !is_partial(p))
        .collect();
    files.sort();
    files
}
