//! Talking to the mock server's test controls (`/__mock/…`) and collecting what the page
//! saved: the pieces fault-injection and benchmark runs need besides the browser. [`request`]
//! is the harness's one plain-HTTP client (nginx over TLS and HTTP/2 is curl's, see `nginx`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// One HTTP/1.1 request to the mock with extra `headers`; returns (status, body), the body
/// de-chunked, or what went wrong on the wire. Async: the mock runs on the test's own
/// runtime, which a blocking read would starve. A fresh connection each time, as a client
/// that opens its own would have.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(u16, String), String> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"))
        .header(http::header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder
        .body(Full::new(Bytes::from(body.to_owned())))
        .map_err(|e| format!("{method} {path}: {e}"))?;
    let response = client
        .request(request)
        .await
        .map_err(|e| format!("{method} {path}: {e}"))?;
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{method} {path}: body cut short: {e}"))?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

/// One exchange with the mock's test controls; returns (status, body).
pub async fn exchange(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    request(addr, method, path, &[], body)
        .await
        .unwrap_or_else(|e| panic!("mock server unreachable: {e}"))
}

/// A control call that must succeed; its JSON answer.
pub async fn control(addr: SocketAddr, method: &str, path: &str, body: &str) -> Value {
    let (status, text) = exchange(addr, method, path, body).await;
    assert_eq!(
        status, 200,
        "mock control {method} {path} answered {status}: {text}"
    );
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("mock control {method} {path}: not JSON ({e}): {text}"))
}

/// Changes the mock's run-time knobs (faults, quotas, revoked users…).
pub async fn configure(addr: SocketAddr, patch: Value) {
    control(addr, "POST", "/__mock/config/", &patch.to_string()).await;
}

/// Calls and bytes per route since the last reset.
pub async fn stats(addr: SocketAddr) -> Value {
    control(addr, "GET", "/__mock/stats/", "").await
}

pub async fn reset_stats(addr: SocketAddr) {
    control(addr, "POST", "/__mock/reset_stats/", "").await;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The controls' answers parse whole, however the mock frames them, and a refused
    /// patch surfaces as a status rather than a parse error.
    #[tokio::test]
    async fn controls_answer_whole_json() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = mock_al::start(listener, mock_al::Config::default())
            .await
            .unwrap();
        reset_stats(server.addr).await;
        let v = stats(server.addr).await;
        assert!(v["counts"].is_object(), "{v}");
        let (status, body) = exchange(
            server.addr,
            "POST",
            "/__mock/config/",
            r#"{"no_such_knob": 1}"#,
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(serde_json::from_str::<Value>(&body).is_ok(), "{body}");
    }

    /// A chunked answer comes back whole and in order, size lines gone, so an array (or any
    /// JSON with braces inside strings) parses as sent.
    #[tokio::test]
    async fn chunked_bodies_are_dechunked() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf).await.unwrap();
            conn.write_all(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n\
                  5\r\n[{\"a\"\r\n9\r\n: \"}{\"}, \r\n3\r\n{}]\r\n0\r\n\r\n",
            )
            .await
            .unwrap();
        });
        let (status, body) = exchange(addr, "GET", "/", "").await;
        assert_eq!(status, 200);
        assert_eq!(body, r#"[{"a": "}{"}, {}]"#);
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v.as_array().map(Vec::len), Some(2));
    }
}
