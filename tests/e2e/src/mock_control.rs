//! Talking to the mock server's test controls (`/__mock/…`) and collecting what the page
//! saved: the pieces fault-injection and benchmark runs need besides the browser.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One plain HTTP/1.1 exchange with the mock; returns (status, body). Async: the mock runs
/// on the test's own runtime, which a blocking read would starve.
async fn exchange(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("mock server reachable");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_string())
}

/// Changes the mock's run-time knobs (faults, quotas, revoked users…).
pub async fn configure(addr: SocketAddr, patch: Value) {
    let (status, body) = exchange(addr, "POST", "/__mock/config/", &patch.to_string()).await;
    assert_eq!(status, 200, "mock refused config {patch}: {body}");
}

/// Calls and bytes per route since the last reset.
pub async fn stats(addr: SocketAddr) -> Value {
    let (status, body) = exchange(addr, "GET", "/__mock/stats/", "").await;
    assert_eq!(status, 200, "{body}");
    // Chunked bodies carry size lines; the JSON object is what lies between the braces.
    let start = body.find('{').unwrap_or(0);
    let end = body.rfind('}').map_or(body.len(), |i| i + 1);
    serde_json::from_str(&body[start..end]).expect("stats JSON")
}

pub async fn reset_stats(addr: SocketAddr) {
    let (status, body) = exchange(addr, "POST", "/__mock/reset_stats/", "").await;
    assert_eq!(status, 200, "{body}");
}

/// True while the browser still writes a download into `dir`.
pub fn downloading(dir: &Path) -> bool {
    crate::browser::downloading(dir)
}

/// Finished zips in the download folder, oldest first.
pub fn zips(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "zip") && !crate::browser::is_partial(p))
        .map(|p| (std::fs::metadata(&p).and_then(|m| m.modified()).unwrap(), p))
        .collect();
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

/// Waits until `count` zips are saved (and no download is in progress).
pub async fn wait_zips(dir: &Path, count: usize) -> Vec<PathBuf> {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let busy = downloading(dir);
        let done = zips(dir);
        if !busy && done.len() >= count {
            return done;
        }
        assert!(
            Instant::now() < deadline,
            "{count} zips expected in {}, found {}",
            dir.display(),
            done.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
