//! A tiny HTTP/1.1 client over a TcpStream (Connection: close), enough for these tests.

use std::net::SocketAddr;

use mock_al::{demo_users, Config, MockServer};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(nl) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(
            std::str::from_utf8(&b[..nl])
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .trim(),
            16,
        )
        .unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[nl + 2..nl + 2 + size]);
        b = &b[nl + 2 + size + 2..];
    }
}

pub async fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    if let Some(b) = body {
        s.write_all(b).await.unwrap();
    }
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Resp {
        status,
        headers,
        body,
    }
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
