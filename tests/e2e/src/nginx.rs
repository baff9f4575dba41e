//! A real nginx (Debian's) as a child process on loopback ports, with everything it writes
//! (pid, logs, temp files) in its own temporary folder; and `curl` to talk to it over TLS and
//! HTTP/2, as a browser would (the mock's controls go through [`crate::mock_control`]).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Nginx {
    child: Child,
    pub dir: PathBuf,
}

/// The nginx binary: `NGINX`, or the first `nginx` on PATH or in the sbin folders.
pub fn binary() -> PathBuf {
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

/// A fresh folder for one nginx (or one test's files), removed by its owner.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("al-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes nginx.conf in `dir` with `site` (server and upstream blocks) in its http {} context.
fn write_config(dir: &Path, site: &str) -> PathBuf {
    let d = dir.display();
    std::fs::write(dir.join("site.conf"), site).unwrap();
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
    conf
}

fn command(dir: &Path, conf: &Path) -> Command {
    let mut cmd = Command::new(binary());
    cmd.arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(conf)
        .arg("-e")
        .arg(dir.join("error.log"));
    cmd
}

/// `nginx -t` on `site` in http {} context: Ok, or nginx's own words.
pub fn check(name: &str, site: &str) -> Result<(), String> {
    let dir = scratch_dir(&format!("nginx-t-{name}"));
    let conf = write_config(&dir, site);
    let out = command(&dir, &conf)
        .arg("-t")
        .output()
        .unwrap_or_else(|e| panic!("cannot run nginx: {e} — run `bash scripts/setup.sh`"));
    let _ = std::fs::remove_dir_all(&dir);
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

impl Nginx {
    /// Checks `site` with `nginx -t`, then runs it until dropped; waits until every port in
    /// `ports` accepts connections.
    pub fn start(name: &str, site: &str, ports: &[u16]) -> Nginx {
        if let Err(words) = check(name, site) {
            panic!("nginx -t rejects the configuration:\n{words}\n--- site ---\n{site}");
        }
        let dir = scratch_dir(&format!("nginx-{name}"));
        let conf = write_config(&dir, site);
        let child = command(&dir, &conf)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut nginx = Nginx { child, dir };
        for port in ports {
            nginx.wait_listening(*port);
        }
        nginx
    }

    fn wait_listening(&mut self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = self.child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                panic!(
                    "nginx exited ({status}) before listening on {port}:\n{stderr}\n{}",
                    self.error_log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "nginx is not listening on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }

    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("access.log")).unwrap_or_default()
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

/// One answer as curl saw it, over HTTPS and HTTP/2 where the server offers them.
#[derive(Debug)]
pub struct CurlAnswer {
    /// "2" or "1.1".
    pub http_version: String,
    pub status: u16,
    /// Header names lower-cased, repeats kept.
    pub headers: Vec<(String, String)>,
    /// As sent: still gzipped when the server compressed it.
    pub body: Vec<u8>,
}

impl CurlAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// curl, trusting only `ca` (the test's own certificate), asking for HTTP/2 and gzip,
/// following no redirect.
#[derive(Clone)]
pub struct Curl {
    ca: PathBuf,
    resolve: Vec<String>,
}

impl Curl {
    pub fn new(ca: &Path) -> Curl {
        Curl {
            ca: ca.to_path_buf(),
            resolve: Vec::new(),
        }
    }

    /// `name:port` goes to 127.0.0.1, so a certificate for `name` is checked as such.
    pub fn resolving(mut self, name: &str, port: u16) -> Curl {
        self.resolve.push(format!("{name}:{port}:127.0.0.1"));
        self
    }

    /// GET `url`. Runs on tokio's blocking pool, so a server on the test's own runtime keeps
    /// answering.
    pub async fn get(&self, url: &str) -> CurlAnswer {
        let (curl, url) = (self.clone(), url.to_string());
        tokio::task::spawn_blocking(move || curl.get_blocking(&url))
            .await
            .unwrap()
    }

    fn get_blocking(&self, url: &str) -> CurlAnswer {
        let dir = tempfile_dir();
        let (head, body) = (dir.join("head"), dir.join("body"));
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "--http2", "--max-time", "60"])
            .args(["-H", "Accept-Encoding: gzip"])
            .arg("--cacert")
            .arg(&self.ca);
        for entry in &self.resolve {
            cmd.args(["--resolve", entry]);
        }
        let out = cmd
            .arg("-D")
            .arg(&head)
            .arg("-o")
            .arg(&body)
            .args(["-w", "%{http_version}"])
            .arg(url)
            .output()
            .unwrap_or_else(|e| panic!("cannot run curl: {e}"));
        assert!(
            out.status.success(),
            "curl {url}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let head_text = std::fs::read_to_string(&head).unwrap();
        let body = std::fs::read(&body).unwrap_or_default();
        let _ = std::fs::remove_dir_all(&dir);
        let mut lines = head_text.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line from {url}: {head_text}"));
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        CurlAnswer {
            http_version: String::from_utf8_lossy(&out.stdout).trim().to_string(),
            status,
            headers,
            body,
        }
    }
}

fn tempfile_dir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("al-e2e-curl-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
