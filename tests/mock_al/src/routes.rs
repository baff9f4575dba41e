//! Request pipeline: route → (fault) → auth → role → quota → latency → handler → stats.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, Response};
use serde_json::{json, Value};

use crate::app::{forbidden, unauthorized, App, Reply};
use crate::auth::{self, Denied, Identity};
use crate::handlers::{self, Ctx};
use crate::quota::Slot;
use crate::stats::STATIC;
use crate::util::{cookies, parse_query, percent_decode};
use crate::{faults, statics};

const BODY_LIMIT: usize = 16 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq)]
enum Route {
    ApiList,
    Whoami,
    Search(String),
    Submission(String),
    Tree(String),
    Full(String),
    Summary(String),
    Ontology(String),
    Download(String),
    Login,
    Logout,
}

impl Route {
    /// The key used in `/__mock/stats/` and `malformed_json_routes`.
    fn pattern(&self) -> String {
        match self {
            Route::ApiList => "api".into(),
            Route::Whoami => "user/whoami".into(),
            Route::Search(i) => format!("search/{i}"),
            Route::Submission(_) => "submission".into(),
            Route::Tree(_) => "submission/tree".into(),
            Route::Full(_) => "submission/full".into(),
            Route::Summary(_) => "submission/summary".into(),
            Route::Ontology(_) => "ontology/submission".into(),
            Route::Download(_) => "file/download".into(),
            Route::Login => "auth/login".into(),
            Route::Logout => "auth/logout".into(),
        }
    }

    fn methods(&self) -> &'static [Method] {
        match self {
            Route::Search(_) | Route::Login => &[Method::GET, Method::POST],
            _ => &[Method::GET],
        }
    }

    /// (required role, XSRF checked, counts toward the daily quota)
    fn policy(&self) -> (Option<&'static str>, bool, bool) {
        match self {
            Route::ApiList => (None, true, false),
            Route::Whoami => (None, true, true),
            Route::Logout => (None, false, false),
            Route::Download(_) => (Some("file_download"), false, true),
            Route::Search(_) => (Some("submission_view|alert_view|heuristic_view|safelist_view|signature_view|workflow_view|retrohunt_view|badlist_view"), true, true),
            _ => (Some("submission_view"), true, true),
        }
    }
}

fn route(path: &str) -> Option<Route> {
    if path == "/api/" {
        return Some(Route::ApiList);
    }
    let rest = path.strip_prefix("/api/v4/")?.strip_suffix('/')?;
    let seg: Vec<String> = rest.split('/').map(percent_decode).collect();
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    Some(match s.as_slice() {
        ["user", "whoami"] => Route::Whoami,
        ["auth", "login"] => Route::Login,
        ["auth", "logout"] => Route::Logout,
        ["search", index] if !index.is_empty() => Route::Search(index.to_string()),
        ["submission", "tree", sid] => Route::Tree(sid.to_string()),
        ["submission", "full", sid] => Route::Full(sid.to_string()),
        ["submission", "summary", sid] => Route::Summary(sid.to_string()),
        ["submission", sid] if !sid.is_empty() => Route::Submission(sid.to_string()),
        ["ontology", "submission", sid] => Route::Ontology(sid.to_string()),
        ["file", "download", sha] => Route::Download(sha.to_string()),
        _ => return None,
    })
}

fn client_ip(headers: &HeaderMap, addr: SocketAddr) -> String {
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| addr.ip().to_string())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub async fn dispatch(
    State(app): State<Arc<App>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response<Body> {
    let path = req.uri().path().to_string();
    if path.starts_with("/__mock/") {
        return control(&app, req).await.into_response();
    }
    if path == "/api" || path.starts_with("/api/") {
        return api(app, addr, req).await;
    }
    let reply = match app.dist.as_deref().and_then(|d| statics::read(d, &path)) {
        Some((bytes, ct)) => Reply::raw(200, bytes, ct),
        None => Reply::raw(404, b"Not Found".to_vec(), "text/plain; charset=utf-8"),
    };
    app.stats
        .lock()
        .expect("stats")
        .record(STATIC, reply.status, reply.body.len() as u64);
    reply.into_response()
}

async fn api(app: Arc<App>, addr: SocketAddr, req: Request) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parse_query(parts.uri.query().unwrap_or(""));
    let Some(r) = route(&path) else {
        // werkzeug redirects a route missing its trailing slash (308), which breaks preflights.
        let reply = if !path.ends_with('/') && route(&format!("{path}/")).is_some() {
            let q = parts
                .uri
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            Reply::raw(308, vec![], "text/html; charset=utf-8")
                .header("location", format!("{path}/{q}"))
        } else {
            Reply::error(404, &format!("Api does not exist ({path})"))
        };
        return finish(&app, "unknown", reply, None);
    };
    let pattern = r.pattern();
    if parts.method == Method::OPTIONS {
        let allow: Vec<&str> = r
            .methods()
            .iter()
            .map(Method::as_str)
            .chain(["HEAD", "OPTIONS"])
            .collect();
        return finish(
            &app,
            &pattern,
            Reply::raw(200, vec![], "text/html; charset=utf-8").header("allow", allow.join(", ")),
            None,
        );
    }
    // Flask answers HEAD like GET (hyper drops the body).
    let method = if parts.method == Method::HEAD {
        Method::GET
    } else {
        parts.method.clone()
    };
    if !r.methods().contains(&method) {
        return finish(
            &app,
            &pattern,
            Reply::error(405, "The method is not allowed for the requested URL."),
            None,
        );
    }
    let body = to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
    let rt = app.runtime();

    // nginx answers before the app sees the call: no auth, no quota.
    let n = app.fault_n.fetch_add(1, Ordering::Relaxed);
    let latency = faults::latency(&rt, app.seed, n);
    if rt.fault_rate > 0.0 && faults::fault_draw(app.seed, n) < rt.fault_rate {
        tokio::time::sleep(latency).await;
        app.stats.lock().expect("stats").fault();
        return finish(
            &app,
            &pattern,
            Reply::raw(502, faults::HTML_502.as_bytes().to_vec(), "text/html"),
            None,
        );
    }

    if app.take_html_503() {
        tokio::time::sleep(latency).await;
        return finish(
            &app,
            &pattern,
            Reply::raw(
                503,
                crate::semantics::HTML_503.as_bytes().to_vec(),
                "text/html",
            ),
            None,
        );
    }

    let headers = &parts.headers;
    let ip = client_ip(headers, addr);
    let ua = header(headers, "user-agent");
    let jar = cookies(header(headers, "cookie"));
    let session_id = jar
        .iter()
        .find(|(k, _)| k == "session")
        .map(|(_, v)| v.as_str());

    if r == Route::Login {
        tokio::time::sleep(latency).await;
        return finish(
            &app,
            &pattern,
            handlers::login(&app, &body, &query, &ip, ua),
            None,
        );
    }

    let (role, xsrf_checked, counts) = r.policy();
    let ident = match authenticate(
        &app,
        headers,
        &query,
        session_id,
        &ip,
        ua,
        xsrf_checked,
        &rt.revoked_users,
    ) {
        Ok(i) => i,
        Err(Denied::Unauthorized(m)) => return finish(&app, &pattern, unauthorized(&m), None),
        Err(Denied::Forbidden(m)) => return finish(&app, &pattern, forbidden(&path, &m), None),
    };
    if rt.semantics.tos_required && !matches!(r, Route::Whoami | Route::Logout) {
        return finish(
            &app,
            &pattern,
            forbidden(&path, crate::semantics::TOS_MESSAGE),
            None,
        );
    }
    if let Some(role) = role {
        let alts: Vec<&str> = role.split('|').collect();
        if !alts.iter().any(|a| ident.roles.iter().any(|r| r == a)) {
            let reason = format!(
                "API {path} requires one of the following roles: {}",
                alts.join(", ")
            );
            return finish(&app, &pattern, forbidden(&path, &reason), None);
        }
    }

    let uname = ident.user.user;
    if !app.quota.begin(uname, rt.quota) {
        app.stats.lock().expect("stats").quota_rejected(false);
        let msg = format!(
            "You've exceeded your maximum concurrent API calls quota of {}",
            rt.quota
        );
        return finish(&app, &pattern, Reply::error(503, &msg), None);
    }
    let slot = Slot::new(app.quota.clone(), uname);
    app.stats.lock().expect("stats").enter(uname);
    let began = std::time::Instant::now();
    let mut remaining = None;
    if rt.daily_quota != 0 && counts {
        let used = app.quota.incr_daily(uname);
        remaining = Some(rt.daily_quota.saturating_sub(used));
        if used > rt.daily_quota {
            drop(slot);
            let mut st = app.stats.lock().expect("stats");
            st.leave(uname);
            st.quota_rejected(true);
            drop(st);
            let msg = format!(
                "You've exceeded your daily maximum API calls quota of {}",
                rt.daily_quota
            );
            return finish(&app, &pattern, Reply::error(503, &msg), remaining);
        }
    }
    tokio::time::sleep(latency).await;

    let ctx = Ctx {
        app: &app,
        ident: &ident,
        path: &path,
        query: &query,
        body: &body,
        post: method == Method::POST,
    };
    let reply = match &r {
        Route::ApiList => handlers::api_list(),
        Route::Whoami => handlers::whoami(&ctx),
        Route::Search(index) => handlers::search(&ctx, index),
        Route::Submission(sid) => handlers::submission(&ctx, sid),
        Route::Tree(sid) => handlers::tree(&ctx, sid),
        Route::Full(sid) => handlers::full(&ctx, sid),
        Route::Summary(sid) => handlers::summary(&ctx, sid),
        Route::Ontology(sid) => handlers::ontology(&ctx, sid),
        Route::Download(sha) => handlers::download(&ctx, sha),
        Route::Logout => handlers::logout(&app, session_id),
        Route::Login => unreachable!("handled above"),
    };
    // The slot is released once the response is built, before its body is sent.
    drop(slot);
    {
        let mut st = app.stats.lock().expect("stats");
        st.leave(uname);
        st.call_took(&pattern, format!("{} {}", parts.method, parts.uri), began);
    }
    let reply = if reply.json && reply.status == 200 && rt.malformed_json_routes.contains(&pattern)
    {
        Reply {
            body: faults::malform(&reply.body),
            ..reply
        }
    } else {
        reply
    };
    finish(&app, &pattern, reply, remaining)
}

#[allow(clippy::too_many_arguments)]
fn authenticate(
    app: &App,
    headers: &HeaderMap,
    query: &[(String, String)],
    session_id: Option<&str>,
    ip: &str,
    ua: Option<&str>,
    check_xsrf: bool,
    revoked: &std::collections::BTreeSet<String>,
) -> Result<Identity, Denied> {
    let (user, key) = (header(headers, "x-user"), header(headers, "x-apikey"));
    if let (Some(user), Some(key)) = (user, key.filter(|k| !k.is_empty())) {
        let (u, limit) = auth::check_apikey(user, key, revoked).map_err(Denied::Unauthorized)?;
        let roles = auth::effective_roles(&u, Some(&limit));
        return Ok(Identity { user: u, roles });
    }
    let xsrf = header(headers, "x-xsrf-token").or_else(|| {
        query
            .iter()
            .find(|(k, _)| k == "XSRF_TOKEN")
            .map(|(_, v)| v.as_str())
    });
    let s = app.sessions.check(session_id, ip, ua, xsrf, check_xsrf)?;
    match auth::find_user(&s.user).filter(|_| !revoked.contains(&s.user)) {
        Some(u) => {
            let roles = auth::effective_roles(&u, s.roles_limit.as_deref());
            Ok(Identity { user: u, roles })
        }
        None => Err(Denied::Unauthorized("Session expired".into())),
    }
}

fn finish(app: &App, pattern: &str, mut reply: Reply, remaining: Option<u64>) -> Response<Body> {
    if let Some(n) = remaining {
        reply = reply.header("x-remaining-quota-api", n.to_string());
    }
    app.stats
        .lock()
        .expect("stats")
        .record(pattern, reply.status, reply.body.len() as u64);
    reply.into_response()
}

async fn control(app: &App, req: Request) -> Reply {
    let path = req.uri().path().to_string();
    let post = req.method() == Method::POST;
    let body = to_bytes(req.into_body(), BODY_LIMIT)
        .await
        .unwrap_or_default();
    let json_reply = |v: Value| {
        Reply::raw(
            200,
            crate::util::to_json(&v).into_bytes(),
            "application/json",
        )
    };
    match (path.as_str(), post) {
        ("/__mock/stats/", false) => json_reply(app.stats.lock().expect("stats").to_json()),
        ("/__mock/reset_stats/", true) => {
            app.stats.lock().expect("stats").reset();
            // Restart the fault sequence too, so repeated benchmark runs see the same faults.
            app.fault_n.store(0, Ordering::Relaxed);
            json_reply(json!({"success": true}))
        }
        ("/__mock/config/", false) => json_reply(app.runtime().to_json()),
        ("/__mock/config/", true) => {
            let patch: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let result = app.rt.lock().expect("runtime").apply(&patch);
            match result {
                Ok(daily_changed) => {
                    if daily_changed {
                        app.quota.reset_daily();
                    }
                    json_reply(app.runtime().to_json())
                }
                Err(e) => Reply::raw(
                    400,
                    crate::util::to_json(&json!({"error": e})).into_bytes(),
                    "application/json",
                ),
            }
        }
        _ => Reply::raw(404, b"unknown mock control endpoint".to_vec(), "text/plain"),
    }
}
