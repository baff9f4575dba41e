//! Deployment, as an operator does it: the shipped nginx configurations (deploy/nginx/) run in
//! a real nginx in front of the mock Assemblyline, the page under /collector/, and the
//! single-file build (scripts/build-single.sh) served from a folder and opened from disk.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use al_e2e::{dist_dir, free_port, http_get, meta_csp, mock_al::Config, repo_root, user, Session};
use sha2::{Digest, Sha256};

/// A real nginx (Debian's), run as a child process on a loopback port with everything it
/// writes (pid, logs, temp files) inside its own temporary folder.
struct Nginx {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Nginx {
    fn binary() -> PathBuf {
        if let Some(path) = std::env::var_os("NGINX") {
            return PathBuf::from(path);
        }
        let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        dirs.extend(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from));
        dirs.into_iter()
            .map(|d| d.join("nginx"))
            .find(|p| p.is_file())
            .unwrap_or_else(|| {
                panic!(
                    "nginx is not installed, and the deployment tests need the real one: \
                     run `bash scripts/setup.sh` (it installs Debian's nginx), or set NGINX=/path/to/nginx"
                )
            })
    }

    /// Starts nginx with `server` (one or more `server {}` blocks) in its http {} context.
    fn start(port: u16, server: &str) -> Nginx {
        let binary = Self::binary();
        let dir = std::env::temp_dir().join(format!("al-e2e-nginx-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.display();
        std::fs::write(dir.join("site.conf"), server).unwrap();
        let main = format!(
            "worker_processes 1;\n\
             pid {d}/nginx.pid;\n\
             lock_file {d}/nginx.lock;\n\
             error_log {d}/error.log info;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n\
             \x20   include /etc/nginx/mime.types;\n\
             \x20   default_type application/octet-stream;\n\
             \x20   access_log {d}/access.log;\n\
             \x20   client_body_temp_path {d}/client_body;\n\
             \x20   proxy_temp_path {d}/proxy;\n\
             \x20   fastcgi_temp_path {d}/fastcgi;\n\
             \x20   uwsgi_temp_path {d}/uwsgi;\n\
             \x20   scgi_temp_path {d}/scgi;\n\
             \x20   include {d}/site.conf;\n\
             }}\n"
        );
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, main).unwrap();
        let error_log = dir.join("error.log");
        let args = |extra: &[&str]| {
            let mut cmd = Command::new(&binary);
            cmd.arg("-p")
                .arg(&dir)
                .arg("-c")
                .arg(&conf)
                .arg("-e")
                .arg(&error_log)
                .args(extra);
            cmd
        };
        let check = args(&["-t"]).output().unwrap_or_else(|e| {
            panic!(
                "cannot run nginx ({}): {e} — run `bash scripts/setup.sh` (it installs Debian's nginx)",
                binary.display()
            )
        });
        assert!(
            check.status.success(),
            "nginx rejects the configuration:\n{}\n--- site.conf ---\n{server}",
            String::from_utf8_lossy(&check.stderr)
        );
        let child = args(&["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut nginx = Nginx { child, dir, port };
        nginx.wait_listening();
        nginx
    }

    fn wait_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = self.child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                panic!(
                    "nginx exited ({status}) before listening on {}:\n{stderr}\n{}",
                    self.port,
                    std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "nginx is not listening on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // A graceful stop of the master, so its worker goes with it; kill only if it hangs.
        let _ = Command::new("kill")
            .args(["-QUIT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                let _ = std::fs::remove_dir_all(&self.dir);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A shipped file from deploy/nginx/ with its documented placeholders filled in; fails if one
/// is left, so the documentation and the test cannot drift apart.
fn shipped(name: &str, values: &[(&str, &str)]) -> String {
    let path = repo_root().join("deploy/nginx").join(name);
    let mut text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for (placeholder, value) in values {
        assert!(
            text.contains(placeholder),
            "{name} has no {placeholder} placeholder"
        );
        text = text.replace(placeholder, value);
    }
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        !code.contains('@'),
        "{name}: a placeholder is left unfilled:\n{code}"
    );
    text
}

fn dist() -> String {
    dist_dir().canonicalize().unwrap().display().to_string()
}

/// The header policy must be the page's own <meta> policy plus frame-ancestors.
async fn check_page_headers(page_url: &str) {
    let page = http_get(page_url).await;
    assert_eq!(page.status, 200, "{page_url}");
    let meta = meta_csp(&page.text()).expect(
        "the built index.html carries a CSP <meta> tag (scripts/build.sh → scripts/csp.sh)",
    );
    assert_eq!(
        page.header("content-security-policy"),
        Some(format!("{meta}; frame-ancestors 'none'").as_str()),
        "nginx's CSP header and the page's <meta> policy must agree"
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("cache-control"), Some("no-cache"));

    let wasm = std::fs::read_dir(dist_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".wasm"))
        .expect("a .wasm in dist");
    let asset = http_get(&format!("{page_url}{wasm}")).await;
    assert_eq!(asset.status, 200);
    assert_eq!(asset.header("content-type"), Some("application/wasm"));
    assert!(
        asset
            .header("cache-control")
            .unwrap_or("")
            .contains("max-age="),
        "hashed assets are cached: {:?}",
        asset.headers
    );
    assert!(
        asset.header("content-security-policy").is_some(),
        "headers reach the nested asset location"
    );

    // The public suffix list, fetched by the page once it is up: text (so gzipped), and
    // revalidated like index.html since its name carries no hash.
    let list = http_get(&format!("{page_url}public_suffix_list.dat")).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.header("content-type"), Some("text/plain"));
    assert_eq!(list.header("cache-control"), Some("no-cache"));
    assert!(list.header("content-security-policy").is_some());
    assert!(list.text().contains("BEGIN ICANN DOMAINS"));
}

async fn connect_as_analyst(s: &Session) {
    let analyst = user("analyst");
    s.connect(analyst.user, analyst.apikey).await;
    s.wait_text(".identity", "Connected as analyst").await;
}

/// Set-up (b): the shipped standalone proxy, page under /collector/, /api/ to Assemblyline.
#[tokio::test]
async fn standalone_proxy_serves_the_page_under_a_sub_path_and_streams_the_api() {
    let s = Session::start_with(Config::default()).await;
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let upstream = format!("http://{}", s.server.addr);
    let dist = dist();
    let nginx = Nginx::start(
        port,
        &shipped(
            "al-collector-proxy.conf",
            &[
                ("@LISTEN@", &listen),
                ("@SERVER_NAME@", "_"),
                ("@AL_UPSTREAM@", &upstream),
                ("@DIST@", &dist),
            ],
        ),
    );

    // Without the slash, and at the root, the visitor is sent to /collector/.
    let bare = http_get(&nginx.url("/collector")).await;
    assert_eq!(bare.status, 301);
    assert_eq!(bare.header("location"), Some("/collector/"));
    let root = http_get(&nginx.url("/")).await;
    assert_eq!(root.header("location"), Some("/collector/"));
    check_page_headers(&nginx.url("/collector/")).await;
    // The API is Assemblyline's, passed through (this one is a 401 in Assemblyline's JSON).
    let api = http_get(&nginx.url("/api/v4/user/whoami/")).await;
    assert_eq!(api.status, 401);
    assert!(api.text().contains("api_error_message"), "{}", api.text());

    s.open_at(&nginx.url("/collector/")).await;
    connect_as_analyst(&s).await;
    s.open_tab("Collect files").await;
    s.click_button("Find files").await;
    s.wait_text(".progress", "Scan complete").await;
    s.wait_text("table.files", "files qualify").await;
    // The samples come through the proxy too (streamed, unbuffered) into one zip.
    s.click_button("Download zip").await;
    s.wait_text(".progress", "Zip saved").await;
    let saved = s.wait_download(".zip").await;
    let zip = zip::ZipArchive::new(std::fs::File::open(&saved).unwrap()).unwrap();
    assert!(
        zip.file_names()
            .any(|n| n.is_ok_and(|n| n.ends_with(".cart"))),
        "the zip holds the samples"
    );
    let log = std::fs::read_to_string(nginx.dir.join("access.log")).unwrap();
    assert!(
        log.contains("GET /api/v4/file/download/"),
        "the downloads went through nginx"
    );
    drop(nginx);
    s.finish().await;
}

/// Set-up (a): the shipped location blocks inside a server that, like Assemblyline's own
/// nginx, already forwards /api/.
#[tokio::test]
async fn location_block_on_the_assemblyline_host_serves_the_page_beside_the_api() {
    let s = Session::start_with(Config::default()).await;
    let port = free_port();
    let dist = dist();
    let snippet = shipped("al-host-location.conf", &[("@DIST@", &dist)]);
    let server = format!(
        "server {{\n    listen 127.0.0.1:{port};\n    server_name _;\n{snippet}\n    \
         # Stands for Assemblyline's own \"location /api/\".\n    \
         location /api/ {{ proxy_pass http://{}; }}\n}}\n",
        s.server.addr
    );
    let nginx = Nginx::start(port, &server);

    let bare = http_get(&nginx.url("/collector")).await;
    assert_eq!(bare.header("location"), Some("/collector/"));
    check_page_headers(&nginx.url("/collector/")).await;

    s.open_at(&nginx.url("/collector/")).await;
    connect_as_analyst(&s).await;
    let shown = s.wait_text(".identity", "analyst").await;
    assert!(shown.contains("submission_view"), "{shown}");
    drop(nginx);
    s.finish().await;
}

/// The single-file build, made once per test run from the page under test.
fn single_file() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("al-e2e-single");
        let _ = std::fs::remove_dir_all(&out);
        let run = Command::new("bash")
            .arg(repo_root().join("scripts/build-single.sh"))
            .arg("--from")
            .arg(dist_dir())
            .arg("--out")
            .arg(&out)
            .env_remove("AL_CONNECT_SRC")
            .output()
            .expect("bash runs");
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "scripts/build-single.sh failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let html = out.join("al-collector.html");
        let bytes = std::fs::read(&html).unwrap();
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(
            stdout.contains(&format!("SHA-256:     {digest}")),
            "the script prints the file's sha256: {stdout}"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("al-collector.html.sha256")).unwrap(),
            format!("{digest}  al-collector.html\n"),
            "a sha256sum -c compatible checksum file"
        );
        html
    })
}

#[tokio::test]
async fn single_file_build_is_self_contained_and_connects() {
    let html_path = single_file();
    let html = std::fs::read_to_string(html_path).unwrap();
    assert!(
        !html.contains(" src=") && !html.contains("<link"),
        "the single file loads nothing else"
    );
    let csp = meta_csp(&html).expect("the single file carries its CSP");
    assert!(
        csp.contains("script-src 'sha256-") && csp.contains("style-src 'sha256-"),
        "its inline blocks are allowed by hash only: {csp}"
    );
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("'self' 'wasm"),
        "{csp}"
    );

    // Dropped into a static folder (here: the only file the server has, as its index.html).
    let folder = std::env::temp_dir().join(format!("al-e2e-single-dist-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(html_path, folder.join("index.html")).unwrap();
    let s = Session::start_with(Config {
        dist: Some(folder.clone()),
        ..Config::default()
    })
    .await;
    s.open_at(&s.server.url()).await;
    s.js("window.__cspViolations = [];
          document.addEventListener('securitypolicyviolation',
              e => window.__cspViolations.push(e.effectiveDirective + ' ' + e.blockedURI));
          return true;")
        .await;
    connect_as_analyst(&s).await;
    // The IoC sort's public suffix list comes from inside the file, not from the server.
    let sid = s
        .server
        .dataset()
        .sample_sid("invoice")
        .unwrap()
        .to_string();
    s.open_tab("Network IoCs").await;
    s.fill("Submission IDs", &sid).await;
    s.click_button("Show IoCs").await;
    s.wait_text(".run-progress", "Loaded 1 of 1").await;
    assert_eq!(
        s.js("return document.querySelectorAll('.notes .order').length")
            .await,
        serde_json::json!(0),
        "the inline suffix list was read"
    );
    assert_eq!(
        s.js("return window.__cspViolations").await,
        serde_json::json!([]),
        "the single file trips its own policy"
    );
    // Everything the page fetched after loading itself was the API.
    let fetched = s
        .js("return performance.getEntriesByType('resource').map(e => e.name)")
        .await;
    let fetched: Vec<String> = serde_json::from_value(fetched).unwrap();
    assert!(!fetched.is_empty());
    for url in fetched.iter().filter(|u| !u.ends_with("/favicon.ico")) {
        assert!(url.contains("/api/v4/"), "the single file fetched {url}");
    }
    s.finish().await;
    let _ = std::fs::remove_dir_all(folder);
}

#[tokio::test]
async fn single_file_opened_from_disk_explains_cross_origin() {
    let html_path = single_file();
    let s = Session::start_with(Config::default()).await;
    s.open_at(&format!("file://{}", html_path.display())).await;
    // Said before anything is tried: a page from a file cannot reach Assemblyline.
    let note = s.wait_text(".connect-origin", "opened from a file").await;
    assert!(note.contains("cross-origin"), "{note}");

    // With no Server URL there is no server to call at all.
    let analyst = user("analyst");
    s.connect(analyst.user, analyst.apikey).await;
    s.wait_text("[role='alert']", "opened from a file").await;

    // A Server URL that answers (the mock is up): the browser still refuses the call.
    s.fill("Server URL", &s.server.url()).await;
    connect_as_analyst_expecting_refusal(&s).await;
    s.finish().await;
}

async fn connect_as_analyst_expecting_refusal(s: &Session) {
    let analyst = user("analyst");
    s.connect(analyst.user, analyst.apikey).await;
    let alert = s
        .wait_text("[role='alert']", "Could not reach the Assemblyline server")
        .await;
    for words in ["CORS", "same origin", "reverse proxy"] {
        assert!(alert.contains(words), "{words:?} missing: {alert}");
    }
    assert!(!alert.contains(analyst.apikey), "{alert}");
}
