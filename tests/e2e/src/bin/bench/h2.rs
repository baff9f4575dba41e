//! The page as the shipped nginx configurations serve it: over TLS and HTTP/2, the API passed
//! through to the mock. Over HTTP/1.1 a browser opens at most 6 connections to a host and
//! schedules its calls onto them; over HTTP/2 every call shares one connection, so the calls
//! in flight show what the page itself leaves unused.
//!
//! The site mirrors what `deploy/nginx/al-collector-proxy.conf` does for speed — `listen … ssl
//! http2`, one client connection for 100,000 calls, a keep-alive pool to the server, responses
//! streamed (`proxy_buffering off`) — with
//! the mock's plain HTTP instead of the TLS and certificate checks a real Assemblyline needs.

use std::path::PathBuf;

use al_e2e::guide::Certificate;
use al_e2e::nginx::{scratch_dir, Nginx};
use al_e2e::{dist_dir, free_port};

pub(crate) struct Proxy {
    _nginx: Nginx,
    dir: PathBuf,
    /// The page's address through the proxy.
    pub url: String,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// nginx in front of the mock at `mock`: the page at `/`, the API at `/api/`.
pub(crate) fn start(mock: std::net::SocketAddr) -> Proxy {
    let dir = scratch_dir("bench-h2");
    let cert = Certificate::self_signed(&dir, "bench", "/CN=localhost", "IP:127.0.0.1");
    let port = free_port();
    let dist = dist_dir().canonicalize().expect("the built page");
    let site = format!(
        "upstream bench_mock {{\n\
         \x20   server {mock};\n\
         \x20   keepalive 16;\n\
         }}\n\
         server {{\n\
         \x20   listen 127.0.0.1:{port} ssl http2;\n\
         \x20   ssl_certificate {cert};\n\
         \x20   ssl_certificate_key {key};\n\
         \x20   keepalive_requests 100000;\n\
         \x20   gzip on;\n\
         \x20   gzip_types text/css text/javascript application/javascript application/wasm text/plain;\n\
         \x20   location / {{\n\
         \x20       root {dist};\n\
         \x20       types {{ text/html html; text/javascript js; application/wasm wasm; text/css css; text/plain dat; }}\n\
         \x20   }}\n\
         \x20   location /api/ {{\n\
         \x20       proxy_pass http://bench_mock;\n\
         \x20       proxy_http_version 1.1;\n\
         \x20       proxy_set_header Connection \"\";\n\
         \x20       proxy_set_header Host $http_host;\n\
         \x20       proxy_buffering off;\n\
         \x20       proxy_request_buffering off;\n\
         \x20       proxy_read_timeout 300s;\n\
         \x20   }}\n\
         }}\n",
        cert = cert.cert.display(),
        key = cert.key.display(),
        dist = dist.display(),
    );
    let nginx = Nginx::start("bench-h2", &site, &[port]);
    Proxy {
        _nginx: nginx,
        dir,
        url: format!("https://127.0.0.1:{port}/"),
    }
}
