//! Server state and the response envelope.

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode};
use serde_json::{json, Value};

use crate::auth::Sessions;
use crate::cart::CartCache;
use crate::data::Dataset;
use crate::faults::Runtime;
use crate::quota::Quota;
use crate::stats::Stats;
use crate::util::to_json;

pub const VERSION: &str = "4.7.4.stable9";

pub struct App {
    pub ds: Arc<Dataset>,
    /// Submission records as the search index sees them, in creation order.
    pub records: Vec<Value>,
    pub seed: u64,
    pub dist: Option<PathBuf>,
    pub rt: Mutex<Runtime>,
    pub stats: Mutex<Stats>,
    pub quota: Arc<Quota>,
    pub sessions: Sessions,
    pub carts: CartCache,
    pub fault_n: AtomicU64,
}

impl App {
    pub fn runtime(&self) -> Runtime {
        self.rt.lock().expect("runtime").clone()
    }

    /// Counts down `semantics.html_503_calls`; true when this call gets the 503.
    pub fn take_html_503(&self) -> bool {
        take(&mut self.rt.lock().expect("runtime").semantics.html_503_calls)
    }

    /// Counts down `semantics.expire_cursors`; true when this cursor has expired.
    pub fn take_expired_cursor(&self) -> bool {
        take(&mut self.rt.lock().expect("runtime").semantics.expire_cursors)
    }
}

fn take(counter: &mut u64) -> bool {
    let hit = *counter > 0;
    *counter = counter.saturating_sub(1);
    hit
}

pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
    pub json: bool,
}

impl Reply {
    /// `make_api_response`: the HTTP status always equals `api_status_code`.
    pub fn api(status: u16, data: Value, err: &str) -> Reply {
        let env = json!({"api_response": data, "api_error_message": err,
                         "api_server_version": VERSION, "api_status_code": status});
        Reply {
            status,
            body: to_json(&env).into_bytes(),
            content_type: "application/json",
            headers: vec![],
            json: true,
        }
    }

    pub fn ok(data: Value) -> Reply {
        Reply::api(200, data, "")
    }

    pub fn error(status: u16, err: &str) -> Reply {
        Reply::api(status, json!(""), err)
    }

    pub fn raw(status: u16, body: Vec<u8>, content_type: &'static str) -> Reply {
        Reply {
            status,
            body,
            content_type,
            headers: vec![],
            json: false,
        }
    }

    pub fn header(mut self, k: &str, v: impl Into<String>) -> Reply {
        self.headers.push((k.to_string(), v.into()));
        self
    }

    /// Expires the `session` and `XSRF-TOKEN` cookies, as the server does on 401 and logout.
    pub fn expire_session(self) -> Reply {
        self.header(
            "set-cookie",
            "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/",
        )
        .header(
            "set-cookie",
            "XSRF-TOKEN=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/",
        )
    }

    pub fn into_response(self) -> Response<Body> {
        let mut r = Response::new(Body::from(self.body));
        *r.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let h = r.headers_mut();
        h.insert("content-type", HeaderValue::from_static(self.content_type));
        for (k, v) in self.headers {
            if let (Ok(name), Ok(val)) = (
                axum::http::HeaderName::try_from(k),
                HeaderValue::try_from(v),
            ) {
                h.append(name, val);
            }
        }
        r
    }
}

/// The 401 handler's `api_response`: which login methods this server offers.
pub fn login_hints() -> Value {
    json!({"allow_userpass_login": true, "allow_signup": false, "allow_saml_login": false})
}

/// The 401 handler also clears the session and expires the XSRF cookie.
pub fn unauthorized(msg: &str) -> Reply {
    Reply::api(401, login_hints(), msg).expire_session()
}

/// The 403 handler: "Access Denied (<path>) [<reason>]" with a small config block.
pub fn forbidden(path: &str, reason: &str) -> Reply {
    let block = json!({
        "auth": {"allow_2fa": true, "allow_apikeys": true, "allow_security_tokens": true},
        "ui": {"allow_url_submissions": true, "read_only": false, "tos": false, "tos_lockout": false, "tos_lockout_notify": false}
    });
    Reply::api(403, block, &format!("Access Denied ({path}) [{reason}]"))
}
