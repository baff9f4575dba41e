//! Calls to the mock as a client makes them, and the demo users' credentials.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use mock_al::{demo_users, Config, MockServer};
use serde_json::Value;
use tokio::net::TcpListener;

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn data(&self) -> Value {
        self.json()["api_response"].clone()
    }

    pub fn error(&self) -> String {
        self.json()["api_error_message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// One HTTP/1.1 exchange on a fresh connection, through hyper's client (the one the e2e
/// harness uses for the mock's controls): chunked bodies and repeated headers as a real
/// client reads them.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{target}"));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder
        .body(Full::new(Bytes::copy_from_slice(body.unwrap_or_default())))
        .unwrap_or_else(|e| panic!("{method} {target}: {e}"));
    let response = client
        .request(request)
        .await
        .unwrap_or_else(|e| panic!("{method} {target}: {e}"));
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{method} {target}: body cut short: {e}"))
        .to_bytes()
        .to_vec();
    Resp {
        status,
        headers,
        body,
    }
}

/// `GET /api/v4/user/whoami/` with these headers only: how each way of signing in is tried.
pub async fn whoami_with(addr: SocketAddr, headers: &[(&str, &str)]) -> Resp {
    request(addr, "GET", "/api/v4/user/whoami/", headers, None).await
}

pub struct Mock {
    pub server: MockServer,
    pub user: &'static str,
    pub key: &'static str,
}

pub fn creds(user: &str) -> (&'static str, &'static str) {
    let u = demo_users().into_iter().find(|u| u.user == user).unwrap();
    (u.user, u.apikey)
}

impl Mock {
    pub async fn start(config: Config) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = mock_al::start(listener, config).await.unwrap();
        let (user, key) = creds("admin");
        Mock { server, user, key }
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr
    }

    pub fn with_user(mut self, user: &str) -> Mock {
        (self.user, self.key) = creds(user);
        self
    }

    /// The sid of the hand-made sample with this label.
    pub fn sample(&self, label: &str) -> String {
        let sid = self.server.dataset().sample_sid(label);
        sid.unwrap_or_else(|| panic!("no sample {label:?}"))
            .to_string()
    }

    pub async fn get(&self, target: &str) -> Resp {
        request(
            self.addr(),
            "GET",
            target,
            &[("X-USER", self.user), ("X-APIKEY", self.key)],
            None,
        )
        .await
    }

    pub async fn post_json(&self, target: &str, body: &Value) -> Resp {
        let b = serde_json::to_vec(body).unwrap();
        let h = [
            ("X-USER", self.user),
            ("X-APIKEY", self.key),
            ("Content-Type", "application/json"),
        ];
        request(self.addr(), "POST", target, &h, Some(&b)).await
    }

    pub async fn control(&self, method: &str, target: &str, body: Option<&Value>) -> Resp {
        let b = body.map(|v| serde_json::to_vec(v).unwrap());
        request(
            self.addr(),
            method,
            target,
            &[("Content-Type", "application/json")],
            b.as_deref(),
        )
        .await
    }

    pub async fn search(&self, query: &str, extra: &str) -> Resp {
        self.get(&format!(
            "/api/v4/search/submission/?query={}{extra}",
            enc(query)
        ))
        .await
    }
}
