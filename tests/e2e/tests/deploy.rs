//! Deployment, as an operator does it: the guide's own commands (`deploy/README.md` blocks
//! tagged `deploy:…`, run word for word) produce the nginx configurations, which a real nginx
//! checks (`nginx -t`) and serves over TLS and HTTP/2 in front of the mock Assemblyline; the
//! page is then driven (Chromium or Firefox) under the headers and its own policy. Also the
//! single-file build (scripts/build-single.sh), and both builds opened from disk.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use al_e2e::csp_watch::{save_one, violations, watch};
use al_e2e::guide::{self, Certificate};
use al_e2e::nginx::{self, scratch_dir, Curl, Nginx};
use al_e2e::{dist_dir, free_port, meta_csp, mock_al::Config, repo_root, user, Harness};
use serde_json::json;
use sha2::{Digest, Sha256};

/// A stand-in for the template Assemblyline's nginx container fills in at start
/// (CybercentreCanada/assemblyline-base, docker/nginx-ssl-frontend/full.template), with what the
/// page's blocks meet there: envsubst variables, nginx's own written `${DOLLAR}name`, an
/// error_log line, a TLS listener, server-wide gzip at level 5, `location /` trying files
/// before the front end, and `location /api/` to the UI server. Added, as on a customised front
/// end: a regex location for .html, .js and .css files, which without `^~` would take the
/// page's files. Its access log names each request's connection, to see the proxy's
/// keep-alive. The TEST_* variables stand for the template's fixed port and paths.
const APPLIANCE_TEMPLATE: &str = r#"error_log    ${ERROR_LOG} ${ERROR_LEVEL};
log_format   al_connections '${DOLLAR}connection ${DOLLAR}request_uri';

server {
    server_name               ${FQDN};
    listen                    127.0.0.1:${TEST_PORT} ssl;
    charset                   utf-8;
    client_max_body_size      ${MAX_BODY_SIZE};

    ssl_certificate           ${TEST_CERT};
    ssl_certificate_key       ${TEST_KEY};

    server_tokens off;

    access_log    ${TEST_ACCESS_LOG} al_connections;

    gzip on;
    gzip_vary on;
    gzip_comp_level 5;
    gzip_types application/javascript application/json text/css text/javascript text/plain;

    proxy_read_timeout ${READ_TIMEOUT};
    proxy_connect_timeout ${CONNECT_TIMEOUT};
    proxy_send_timeout ${SEND_TIMEOUT};

    location / {
        try_files    ${DOLLAR}uri @frontend;
    }

    location @frontend {
        proxy_set_header      Host                       ${DOLLAR}http_host;
        proxy_pass            http://${FRONTEND_HOST};
    }

    location ~* \.(html|js|css)$ {
        proxy_pass            http://${FRONTEND_HOST};
    }

    location /api/ {
        add_header            X-Frame-Options            SAMEORIGIN;
        add_header            Strict-Transport-Security  "max-age=31536000; includeSubDomains";

        proxy_set_header      X-Forwarded-For            ${DOLLAR}proxy_add_x_forwarded_for;
        proxy_set_header      Host                       ${DOLLAR}http_host;
        proxy_set_header      Scheme                     ${DOLLAR}scheme;

        proxy_pass            http://${UI_HOST};
    }
}
"#;

/// The appliance: the guide's steps on the template, then what the container does with it.
struct Appliance {
    /// Serves until dropped.
    _nginx: Nginx,
    port: u16,
    cert: Certificate,
    /// Its access log: one "<connection> <uri>" line per request.
    access_log: PathBuf,
}

impl Appliance {
    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }
}

/// The volume lines of the guide's docker-compose override: (host path relative to the
/// compose folder, path in the container), and its TEMPLATE value.
fn override_mounts() -> (Vec<(String, String)>, String) {
    let yaml = guide::block("appliance-override");
    let mut mounts = Vec::new();
    let mut template = String::new();
    for line in yaml.lines().map(str::trim) {
        if let Some(value) = line.strip_prefix("- TEMPLATE=") {
            template = value.to_string();
        } else if let Some(volume) = line.strip_prefix("- ./") {
            let parts: Vec<&str> = volume.split(':').collect();
            mounts.push((parts[0].to_string(), parts[1].to_string()));
        }
    }
    (mounts, template)
}

/// Runs the guide's appliance steps in `work` and starts the result the way the container
/// does: `envsubst < /opt/$TEMPLATE.template` with the image's environment (and no other),
/// the override's volumes mapped to their folders here.
fn start_appliance(work: &Path, mock_addr: &str) -> Appliance {
    let compose = work.join("compose");
    let al_dir = compose.join("al-collector");
    std::fs::create_dir_all(&al_dir).unwrap();
    // Step 2 of the guide: the page, the single file, and the template out of the image.
    std::os::unix::fs::symlink(dist_dir().canonicalize().unwrap(), al_dir.join("dist")).unwrap();
    std::fs::copy(single_file(), al_dir.join("al-collector.html")).unwrap();
    std::fs::write(al_dir.join("full.template"), APPLIANCE_TEMPLATE).unwrap();
    let cert = Certificate::self_signed(
        work,
        "assemblyline",
        "/C=CA/ST=Ontario/L=Ottawa/O=CCCS/CN=assemblyline.local",
        "",
    );

    for file in ["al-host-location.conf", "single-file-location.conf"] {
        let text = std::fs::read_to_string(repo_root().join("deploy/nginx").join(file)).unwrap();
        // envsubst replaces "$name" and "${name}" wherever they are, comments included.
        let bytes = text.as_bytes();
        let names = bytes.windows(2).filter(|w| {
            w[0] == b'$' && (w[1].is_ascii_alphabetic() || w[1] == b'_' || w[1] == b'{')
        });
        assert_eq!(
            names.count(),
            0,
            "{file} holds a $name: the appliance's envsubst would replace it"
        );
    }
    let cwd = guide::workdir(&work.join("checkout"), &dist_dir());
    guide::run(
        "appliance-template",
        "appliance-values",
        &cwd,
        &[
            ("COMPOSE_DIR", compose.display().to_string()),
            ("AL_DIR", al_dir.display().to_string()),
            ("PROFILE", "full".into()),
        ],
    );

    let (mounts, template) = override_mounts();
    assert_eq!(template, "custom", "the override picks the custom template");
    let source = |target: &str| -> PathBuf {
        let (host, _) = mounts
            .iter()
            .find(|(_, t)| t == target)
            .unwrap_or_else(|| panic!("the override mounts nothing at {target}: {mounts:?}"));
        compose.join(host)
    };
    let custom = source(&format!("/opt/{template}.template"));
    let port = free_port();
    let access_log = work.join("appliance-access.log");
    // The image's ENV (docker/nginx-ssl-frontend/Dockerfile) with the compose file's values.
    let filled = Command::new("envsubst")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs([
            ("DOLLAR", "$".to_string()),
            ("FQDN", "assemblyline.local".into()),
            ("MAX_BODY_SIZE", "100M".into()),
            ("FRONTEND_HOST", mock_addr.into()),
            ("SOCKET_HOST", mock_addr.into()),
            ("UI_HOST", mock_addr.into()),
            ("KIBANA_HOST", mock_addr.into()),
            ("TEMPLATE", template.clone()),
            ("ACCESS_LOG", "off".into()),
            (
                "ERROR_LOG",
                work.join("appliance-error.log").display().to_string(),
            ),
            ("ERROR_LEVEL", "notice".into()),
            ("READ_TIMEOUT", "60s".into()),
            ("CONNECT_TIMEOUT", "60s".into()),
            ("SEND_TIMEOUT", "60s".into()),
            ("TEST_PORT", port.to_string()),
            ("TEST_CERT", cert.cert.display().to_string()),
            ("TEST_KEY", cert.key.display().to_string()),
            ("TEST_ACCESS_LOG", access_log.display().to_string()),
        ])
        .stdin(std::fs::File::open(&custom).unwrap())
        .output()
        .expect("envsubst runs (Debian gettext-base)");
    assert!(filled.status.success());
    let mut conf = String::from_utf8(filled.stdout).unwrap();
    assert!(
        conf.contains("ssl http2;"),
        "the guide turns HTTP/2 on:\n{conf}"
    );
    // The volumes: paths in the container are folders here.
    for (host, target) in &mounts {
        if !target.ends_with(".template") {
            conf = conf.replace(target.as_str(), &compose.join(host).display().to_string());
        }
    }
    let nginx = Nginx::start("appliance", &conf, &[port]);
    Appliance {
        _nginx: nginx,
        port,
        cert,
        access_log,
    }
}

/// The test's values for the guide's (b) values block.
struct ProxyValues {
    listen_port: u16,
    cert: Certificate,
    al_address: String,
    al_ca: PathBuf,
    dist: PathBuf,
    site: PathBuf,
}

impl ProxyValues {
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("LISTEN", format!("127.0.0.1:{}", self.listen_port)),
            ("SERVER_NAME", "localhost".into()),
            ("TLS_CERT", self.cert.cert.display().to_string()),
            ("TLS_KEY", self.cert.key.display().to_string()),
            ("AL_ADDRESS", self.al_address.clone()),
            // The name on the appliance image's own certificate.
            ("AL_NAME", "assemblyline.local".into()),
            ("AL_CA", self.al_ca.display().to_string()),
            ("DIST", self.dist.display().to_string()),
            ("SITE", self.site.display().to_string()),
        ]
    }

    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.listen_port)
    }
}

/// The headers of a page location: the header policy is the page's own <meta> policy plus
/// frame-ancestors; hashed files cached for good and gzipped at level 9; the suffix list.
async fn check_page_location(curl: &Curl, page_url: &str) {
    let page = curl.get(page_url).await;
    assert_eq!(page.status, 200, "{page_url}");
    assert_eq!(page.http_version, "2", "HTTP/2 on the TLS listener");
    // The file nginx sent (its body here is gzipped).
    let html = std::fs::read_to_string(dist_dir().join("index.html")).unwrap();
    let meta = meta_csp(&html).expect("the built index.html carries a CSP <meta> tag");
    assert!(meta.contains("worker-src 'self'"), "{meta}");
    assert_eq!(
        page.header("content-security-policy"),
        Some(format!("{meta}; frame-ancestors 'none'").as_str()),
        "nginx's CSP header and the page's <meta> policy must agree"
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    assert!(page.header("strict-transport-security").is_some());

    let wasm = std::fs::read_dir(dist_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".wasm"))
        .expect("a .wasm in dist");
    let asset = curl.get(&format!("{page_url}{wasm}")).await;
    assert_eq!(asset.status, 200);
    assert_eq!(asset.header("content-type"), Some("application/wasm"));
    assert_eq!(asset.header("content-encoding"), Some("gzip"));
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
    // Level 9, as the README's page weight is measured (gzip -9), not nginx's default 1.
    let raw = std::fs::read(dist_dir().join(&wasm)).unwrap();
    let mut best = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut best, &raw).unwrap();
    let best = best.finish().unwrap().len();
    assert!(
        asset.body.len() * 100 <= best * 102,
        "nginx sends {} gzipped bytes of {wasm}, gzip -9 makes {best}",
        asset.body.len()
    );

    // The public suffix list, fetched by the page once it is up: text (so gzipped), and
    // revalidated like index.html since its name carries no hash.
    let list = curl.get(&format!("{page_url}public_suffix_list.dat")).await;
    assert_eq!(list.status, 200);
    // (Assemblyline's server adds "; charset=utf-8" with its `charset utf-8`.)
    assert!(
        list.header("content-type")
            .is_some_and(|t| t.starts_with("text/plain")),
        "{:?}",
        list.headers
    );
    assert_eq!(list.header("cache-control"), Some("no-cache"));
    assert_eq!(list.header("content-encoding"), Some("gzip"));
    assert!(list.header("content-security-policy").is_some());
}

/// Opens the page over HTTP/2 and connects, with the CSP watcher on.
async fn open_and_connect(s: &Harness, url: &str) {
    s.open_at(url).await;
    let protocol = s
        .js("return performance.getEntriesByType('navigation')[0].nextHopProtocol")
        .await;
    assert_eq!(protocol, json!("h2"), "the page came over HTTP/2");
    watch(s).await;
    s.sign_in("analyst", "Server").await;
}

/// Set-up (a) on Assemblyline's docker-compose appliance: the guide's commands put the blocks
/// into the template, the container's envsubst leaves them intact, and the page and the single
/// file are served beside /api/ over TLS and HTTP/2, even with a regex location for .html/.js.
#[tokio::test]
async fn appliance_template_serves_the_page_and_the_single_file_beside_the_api() {
    let s = Harness::start_with(Config::default()).await;
    let work = scratch_dir("appliance");
    let al = start_appliance(&work, &s.server.addr.to_string());
    // curl checks the name: the appliance's certificate is for assemblyline.local.
    let curl = Curl::new(&al.cert.cert).resolving("assemblyline.local", al.port);
    let named = |path: &str| format!("https://assemblyline.local:{}{path}", al.port);
    let bare = curl.get(&named("/collector")).await;
    assert_eq!(bare.status, 301);
    assert_eq!(bare.header("location"), Some("/collector/"));
    check_page_location(&curl, &named("/collector/")).await;
    let single = curl.get(&named("/al-collector.html")).await;
    assert_eq!(single.status, 200);
    assert_eq!(
        single.header("content-security-policy"),
        Some("frame-ancestors 'none'"),
        "the single file's location leaves scripts to the file's own policy"
    );

    open_and_connect(&s, &al.url("/collector/")).await;
    let shown = s.wait_text(".identity", "analyst").await;
    assert!(shown.contains("submission_view"), "{shown}");
    assert_eq!(violations(&s).await, Vec::<serde_json::Value>::new());

    // The single file at its own location, under its own policy and the header.
    open_and_connect(&s, &al.url("/al-collector.html")).await;
    assert_eq!(violations(&s).await, Vec::<serde_json::Value>::new());
    drop(al);
    s.finish().await;
    let _ = std::fs::remove_dir_all(work);
}

/// Set-up (b): the proxy the guide's commands write, over TLS and HTTP/2, in front of the
/// self-signed appliance (its certificate fetched and checked the guide's way). The page
/// connects, shows IoCs, saves every export and a zip of samples, with no CSP violation under
/// the header and the tag; the upstream connections are reused.
#[tokio::test]
async fn standalone_proxy_saves_a_zip_and_every_export_over_tls_without_csp_violation() {
    let s = Harness::start_with(Config::default()).await;
    let work = scratch_dir("proxy");
    let al = start_appliance(&work, &s.server.addr.to_string());
    let cwd = guide::workdir(&work.join("checkout"), &dist_dir());
    // The page folder, with the single file dropped in where it does not belong.
    let dist = work.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    for entry in std::fs::read_dir(dist_dir()).unwrap().flatten() {
        std::os::unix::fs::symlink(entry.path(), dist.join(entry.file_name())).unwrap();
    }
    std::fs::copy(single_file(), dist.join("al-collector.html")).unwrap();

    let values = ProxyValues {
        listen_port: free_port(),
        cert: Certificate::self_signed(&work, "collector", "/CN=localhost", "IP:127.0.0.1"),
        al_address: format!("127.0.0.1:{}", al.port),
        al_ca: work.join("assemblyline.pem"),
        dist,
        site: work.join("al-collector.conf"),
    };
    let printed = guide::run("proxy-fetch-al-cert", "proxy-values", &cwd, &values.env());
    assert!(
        printed.contains(&al.cert.fingerprint()),
        "the fetched certificate is the appliance's: {printed}"
    );
    guide::run("proxy-config", "proxy-values", &cwd, &values.env());
    let site = std::fs::read_to_string(&values.site).unwrap();
    guide::run("proxy-redirect", "proxy-values", &cwd, &values.env());
    let with_redirect = std::fs::read_to_string(&values.site).unwrap();
    assert!(with_redirect.starts_with(&site) && with_redirect.contains("listen 80;"));
    nginx::check("proxy-redirect", &with_redirect)
        .unwrap_or_else(|e| panic!("nginx -t rejects the port-80 redirect:\n{e}"));
    let proxy = Nginx::start("proxy", &site, &[values.listen_port]);
    let curl = Curl::new(&values.cert.cert);
    let root = curl.get(&values.url("/")).await;
    assert_eq!(root.header("location"), Some("/collector/"));
    let bare = curl.get(&values.url("/collector")).await;
    assert_eq!(bare.status, 301);
    assert_eq!(bare.header("location"), Some("/collector/"));
    check_page_location(&curl, &values.url("/collector/")).await;
    let favicon = curl.get(&values.url("/favicon.ico")).await;
    assert_eq!(favicon.status, 204);
    // The API is Assemblyline's, passed through TLS (this one is a 401 in its JSON).
    let api = curl.get(&values.url("/api/v4/user/whoami/")).await;
    assert_eq!(api.status, 401, "{}", proxy.error_log());
    assert!(api.text().contains("api_error_message"), "{}", api.text());

    open_and_connect(&s, &values.url("/collector/")).await;
    let sid = s.server.dataset().sample_sid("invoice").unwrap();
    s.open_tab("Network IoCs").await;
    s.fill("Submission IDs", sid).await;
    s.click_button("Show IoCs").await;
    s.wait_text(".run-progress", "Loaded 1 of 1").await;
    for export in [
        "Export JSON",
        "Export CSV",
        "Export MISP CSV",
        "Export STIX",
    ] {
        let file = save_one(&s, export).await;
        assert!(
            std::fs::metadata(&file).unwrap().len() > 0,
            "{export}: {file:?}"
        );
    }
    s.open_tab("Collect files").await;
    s.find_files().await;
    s.wait_text("table.files", "files qualify").await;
    let saved = save_one(&s, "Download zip").await;
    s.wait_text(".progress", "Zip handed to the browser").await;
    let zip = zip::ZipArchive::new(std::fs::File::open(&saved).unwrap()).unwrap();
    assert!(
        zip.file_names()
            .any(|n| n.is_ok_and(|n| n.ends_with(".cart"))),
        "the zip holds the samples"
    );
    assert_eq!(
        violations(&s).await,
        Vec::<serde_json::Value>::new(),
        "saving trips the policy (header or <meta>)"
    );

    // Keep-alive: the proxy's calls to Assemblyline share a few connections.
    let appliance_log = std::fs::read_to_string(&al.access_log).unwrap();
    let api_calls: Vec<&str> = appliance_log
        .lines()
        .filter(|l| l.contains(" /api/"))
        .collect();
    let connections: std::collections::BTreeSet<&str> = api_calls
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        api_calls.len() >= 10 && connections.len() * 3 <= api_calls.len(),
        "{} API calls over {} connections to Assemblyline",
        api_calls.len(),
        connections.len()
    );
    assert!(
        !proxy.error_log().contains("favicon"),
        "{}",
        proxy.error_log()
    );

    // The single file under the /collector/ header cannot run: it says so in words.
    s.browser
        .goto(&values.url("/collector/al-collector.html"))
        .await
        .unwrap();
    let words = s
        .wait_text("#al-collector-fallback", "could not start")
        .await;
    assert!(words.contains("Content-Security-Policy header"), "{words}");
    drop(proxy);

    // Assemblyline's certificate not trusted: a 502 from the proxy, the reason in its error
    // log, and the page points there.
    let untrusting = ProxyValues {
        listen_port: free_port(),
        al_ca: values.cert.cert.clone(),
        site: work.join("al-collector-untrusting.conf"),
        ..values
    };
    guide::run("proxy-config", "proxy-values", &cwd, &untrusting.env());
    let proxy = Nginx::start(
        "proxy-untrusting",
        &std::fs::read_to_string(&untrusting.site).unwrap(),
        &[untrusting.listen_port],
    );
    let api = curl.get(&untrusting.url("/api/v4/user/whoami/")).await;
    assert_eq!(api.status, 502);
    assert!(
        proxy
            .error_log()
            .contains("upstream SSL certificate verify error"),
        "{}",
        proxy.error_log()
    );
    s.open_at(&untrusting.url("/collector/")).await;
    let analyst = user("analyst");
    s.connect(analyst.user, analyst.apikey).await;
    let alert = s
        .wait_text("[role='alert']", "the proxy could not reach Assemblyline")
        .await;
    assert!(alert.contains("error log"), "{alert}");
    drop(proxy);
    drop(al);
    s.finish().await;
    let _ = std::fs::remove_dir_all(work);
}

/// The other guide blocks pass `nginx -t` inside a server of their own.
#[test]
fn host_and_single_file_blocks_pass_nginx_t() {
    let work = scratch_dir("blocks");
    let cwd = guide::workdir(&work.join("checkout"), &dist_dir());
    for (name, out) in [
        ("host-blocks", "al-collector-blocks.conf"),
        ("single-file-block", "al-collector-single.conf"),
    ] {
        // These blocks need no values.
        let script = guide::block(name);
        let run = Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .current_dir(&cwd)
            .output()
            .unwrap();
        assert!(run.status.success(), "deploy:{name}: {run:?}");
        let blocks = std::fs::read_to_string(cwd.join(out)).unwrap();
        let server = format!(
            "server {{\n    listen 127.0.0.1:{};\n{blocks}\n}}\n",
            free_port()
        );
        nginx::check(name, &server).unwrap_or_else(|e| panic!("deploy:{name}:\n{e}\n{server}"));
    }
    let _ = std::fs::remove_dir_all(work);
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
    let folder = scratch_dir("single-dist");
    std::fs::copy(html_path, folder.join("index.html")).unwrap();
    let s = Harness::start_with(Config {
        dist: Some(folder.clone()),
        ..Config::default()
    })
    .await;
    s.open_at(&s.server.url()).await;
    watch(&s).await;
    s.sign_in("analyst", "Network IoCs").await;
    // The IoC sort's public suffix list comes from inside the file, not from the server.
    let sid = s.server.dataset().sample_sid("invoice").unwrap();
    s.fill("Submission IDs", sid).await;
    s.click_button("Show IoCs").await;
    s.wait_text(".run-progress", "Loaded 1 of 1").await;
    assert_eq!(
        s.js("return document.querySelectorAll('.notes .order').length")
            .await,
        json!(0),
        "the inline suffix list was read"
    );
    // Saving under the file's own policy too.
    save_one(&s, "Export CSV").await;
    assert_eq!(
        violations(&s).await,
        Vec::<serde_json::Value>::new(),
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

/// The words a page opened from `url` shows when it cannot start. Firefox now and then leaves
/// a `file://` page unloaded (nothing in it after 20 s); opened again, as a user would.
async fn fallback_words(s: &Harness, url: &str) -> String {
    for _ in 0..3 {
        s.browser.goto(url).await.unwrap();
        let words = s
            .text_within(
                "#al-collector-fallback",
                "could not start",
                std::time::Duration::from_secs(20),
            )
            .await;
        if let Ok(words) = words {
            return words;
        }
    }
    panic!("{url} showed no \"could not start\" words after three loads");
}

/// Opened from disk: dist/index.html cannot run there and says so in words; the single file
/// runs, and explains that it cannot reach Assemblyline.
#[tokio::test]
async fn both_builds_opened_from_disk_show_words() {
    let s = Harness::start_with(Config::default()).await;
    let index = dist_dir().canonicalize().unwrap().join("index.html");
    let words = fallback_words(&s, &format!("file://{}", index.display())).await;
    for needed in ["file://", "deploy/README.md", "al-collector.html"] {
        assert!(words.contains(needed), "{needed:?} missing: {words}");
    }

    let html_path = single_file();
    s.open_at(&format!("file://{}", html_path.display())).await;
    assert_eq!(
        s.js("return document.getElementById('al-collector-fallback')")
            .await,
        serde_json::Value::Null,
        "the page replaced its fallback words"
    );
    // Said before anything is tried: a page from a file cannot reach Assemblyline.
    let note = s.wait_text(".connect-origin", "opened from a file").await;
    assert!(note.contains("cross-origin"), "{note}");

    // With no Server URL there is no server to call at all.
    let analyst = user("analyst");
    s.connect(analyst.user, analyst.apikey).await;
    s.wait_text("[role='alert']", "opened from a file").await;

    // A Server URL that answers (the mock is up): the browser still refuses the call.
    s.fill("Server URL", &s.server.url()).await;
    s.connect(analyst.user, analyst.apikey).await;
    let alert = s
        .wait_text("[role='alert']", "Could not reach the Assemblyline server")
        .await;
    for words in ["CORS", "same origin", "reverse proxy"] {
        assert!(alert.contains(words), "{words:?} missing: {alert}");
    }
    assert!(!alert.contains(analyst.apikey), "{alert}");
    s.finish().await;
}
