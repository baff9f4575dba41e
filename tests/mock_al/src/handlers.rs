//! One function per endpoint: request in, `Reply` out. Auth, quota and faults live in `routes.rs`.

use serde_json::{json, Value};

use crate::app::{forbidden, App, Reply, VERSION};
use crate::auth::{self, Identity, SESSION_DURATION};
use crate::data::{c12n_max, Dataset, Submission};
use crate::search::{self, Params, SearchError};
use crate::util::{now_epoch, parse_query, percent_encode};
use crate::{cart, faults, render, summary};

pub struct Ctx<'a> {
    pub app: &'a App,
    pub ident: &'a Identity,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub body: &'a [u8],
    pub post: bool,
}

impl Ctx<'_> {
    fn arg(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }

    fn args(&self, k: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn has_role(&self, role: &str) -> bool {
        self.ident.roles.iter().any(|r| r == role)
    }

    fn submission(&self, sid: &str) -> Result<&Submission, Reply> {
        self.app
            .ds
            .submission(sid)
            .filter(|_| !self.deleted(sid))
            .ok_or_else(|| Reply::error(404, &format!("Submission ID {sid} does not exists.")))
    }

    /// Deleted since the search index last saw it (`semantics.rs`).
    fn deleted(&self, sid: &str) -> bool {
        self.app.runtime().semantics.deleted_sids.contains(sid)
    }
}

pub fn api_list() -> Reply {
    Reply::ok(json!(["v4"]))
}

pub fn whoami(c: &Ctx) -> Reply {
    let u = &c.ident.user;
    let rt = c.app.runtime();
    Reply::ok(rt.semantics.whoami(json!({
        "agrees_with_tos": "2026-01-05T14:00:00.000000Z",
        "api_daily_quota": rt.daily_quota,
        "avatar": null,
        "c12nDef": {"enforce": true, "restricted": "TLP:AMBER+STRICT", "unrestricted": "TLP:CLEAR",
                    "levels": ["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT"]},
        "classification": "TLP:AMBER+STRICT",
        "classification_aliases": {},
        "configuration": {
            "auth": {"allow_2fa": true, "allow_apikeys": true, "allow_extended_apikeys": true, "allow_security_tokens": true, "apikey_max_dtl": null},
            "submission": {"dtl": 30, "max_dtl": 0, "max_file_size": 104_857_600, "file_sources": {}, "metadata": {}, "profiles": {},
                           "verdicts": {"info": 0, "suspicious": 300, "highly_suspicious": 700, "malicious": 1000}},
            "system": {"organisation": "MOCK", "type": "development", "version": VERSION},
            "ui": {"allow_malicious_hinting": false, "allow_raw_downloads": true, "allow_replay": false, "allow_url_submissions": true,
                   "allow_zip_downloads": false, "apps": [], "banner": null, "enforce_quota": true, "fqdn": "mock-al.local",
                   "read_only": false, "tos": false, "tos_lockout": false, "tos_lockout_notify": false}
        },
        "email": format!("{}@mock-al.local", u.user),
        "groups": ["USERS"],
        "indexes": {},
        "is_active": true,
        "is_admin": c.has_role("administration"),
        "name": u.name,
        "roles": c.ident.roles,
        "settings": {"default_zip_password": "infected", "download_encoding": "cart", "submission_view": "report"},
        "submission_daily_quota": 0,
        "type": [u.user_type],
        "username": u.user
    })))
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

const INDEXES: [(&str, &str); 10] = [
    ("alert", "alert_view"),
    ("badlist", "badlist_view"),
    ("file", "submission_view"),
    ("heuristic", "heuristic_view"),
    ("result", "submission_view"),
    ("submission", "submission_view"),
    ("signature", "signature_view"),
    ("safelist", "safelist_view"),
    ("workflow", "workflow_view"),
    ("retrohunt", "retrohunt_view"),
];

pub fn search(c: &Ctx, index: &str) -> Reply {
    let role = INDEXES
        .iter()
        .find(|(i, _)| *i == index)
        .map_or("administration", |x| x.1);
    if !c.has_role(role) {
        return forbidden(
            c.path,
            &format!(
                "API {} requires the role '{role}' for request on index '{index}'",
                c.path
            ),
        );
    }
    if role == "administration" {
        return Reply::error(400, &format!("Not a valid index to search in: {index}"));
    }
    // POST carries the parameters in a JSON body, GET in the query string: read either the
    // same way, with `filters` a list in both.
    let body = if c.post {
        let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(c.body) else {
            return Reply::error(
                400,
                "No data block provided or data block not in JSON format.'",
            );
        };
        Some(body)
    } else {
        None
    };
    let get = |k: &str| match &body {
        Some(body) => body.get(k).and_then(scalar),
        None => c.arg(k).map(str::to_string),
    };
    let filters = match &body {
        Some(body) => match body.get("filters") {
            Some(Value::Array(a)) => a.iter().filter_map(scalar).collect(),
            Some(v) => scalar(v).into_iter().collect(),
            None => vec![],
        },
        None => c.args("filters"),
    };
    let p = Params {
        query: get("query"),
        offset: get("offset"),
        rows: get("rows"),
        sort: get("sort"),
        fl: get("fl"),
        filters,
        deep_paging_id: get("deep_paging_id"),
        track_total_hits: get("track_total_hits"),
    };
    let archive = ["use_archive", "archive_only"]
        .iter()
        .any(|k| get(k).is_some_and(|v| v.is_empty() || v.eq_ignore_ascii_case("true")));
    if archive && !c.has_role("archive_view") {
        return Reply::api(403, json!({}), "User is not allowed to view the archive");
    }
    if p.query.as_deref().unwrap_or("").is_empty() {
        return Reply::error(400, "There was no search query.");
    }
    if index != "submission" {
        return Reply::error(
            400,
            &format!("SearchException: the {index} index is not modelled by mock-al"),
        );
    }
    let states = c.app.runtime().semantics;
    let continued = p.deep_paging_id.as_deref().filter(|id| id.contains(','));
    if let Some(id) = continued {
        if c.app.take_expired_cursor() {
            let pit = id.split(',').next().unwrap_or_default();
            return Reply::error(
                400,
                &format!("SearchException: No search context found for id [{pit}]"),
            );
        }
    }
    let seen = states.searchable(&c.app.records, archive);
    match search::search(seen.as_deref().unwrap_or(&c.app.records), &p, now_epoch()) {
        Ok(v) => Reply::ok(v),
        Err(SearchError::Bad(m)) => Reply::error(400, &m),
        Err(SearchError::Internal) => Reply::error(500, "Internal Server Error"),
    }
}

/// Renders one view of a submission, or the server's 404 for an unknown sid.
fn with_submission(c: &Ctx, sid: &str, render: impl Fn(&Dataset, &Submission) -> Value) -> Reply {
    match c.submission(sid) {
        Ok(s) => Reply::ok(render(&c.app.ds, s)),
        Err(r) => r,
    }
}

pub fn submission(c: &Ctx, sid: &str) -> Reply {
    with_submission(c, sid, render::record_with_sizes)
}

pub fn tree(c: &Ctx, sid: &str) -> Reply {
    let states = c.app.runtime().semantics;
    with_submission(c, sid, |ds, s| states.tree(sid, render::tree(ds, s)))
}

pub fn full(c: &Ctx, sid: &str) -> Reply {
    with_submission(c, sid, render::full)
}

pub fn summary(c: &Ctx, sid: &str) -> Reply {
    let states = c.app.runtime().semantics;
    with_submission(c, sid, |ds, s| {
        states.summary(sid, summary::summary(ds, s), &s.all_sha256s())
    })
}

fn attachment(name: &str) -> String {
    format!(
        "attachment; filename=file.bin; filename*=UTF-8''{}",
        percent_encode(name)
    )
}

pub fn ontology(c: &Ctx, sid: &str) -> Reply {
    let Some(s) = c.app.ds.submission(sid).filter(|_| !c.deleted(sid)) else {
        return Reply::error(404, &format!("There is no submission with sid: {sid}"));
    };
    let body = summary::ontology(&c.app.ds, s, &c.args("sha256"), &c.args("service"));
    let body = c.app.runtime().semantics.ontology(body);
    Reply::raw(200, body.into_bytes(), "application/octet-stream").header(
        "content-disposition",
        attachment(&format!("submission_{sid}.ontology")),
    )
}

pub fn download(c: &Ctx, sha256: &str) -> Reply {
    let not_found = || Reply::api(404, json!({}), "The file was not found in the system.");
    let hidden = c.app.runtime().semantics.hidden_files.contains(sha256);
    let Some(file) = c.app.ds.file(sha256).filter(|_| !hidden) else {
        return not_found();
    };
    let name = c.arg("name").filter(|n| !n.is_empty()).unwrap_or(sha256);
    let name = name.rsplit('/').next().unwrap_or(name).to_string();
    let sid = c.arg("sid").filter(|s| !s.is_empty());
    let sub = sid.and_then(|s| c.app.ds.submission(s));
    let encoding = c.arg("encoding").unwrap_or("cart");
    match encoding {
        "cart" | "raw" => {}
        "zip" => {
            return Reply::api(
                403,
                json!({}),
                "PROTECTED file download has been disabled by administrators.",
            )
        }
        other => {
            let msg = format!(
                "{} is not in the valid encoding types: ['cart', 'raw', 'zip']",
                other.to_uppercase()
            );
            return Reply::api(403, json!({}), &msg);
        }
    }
    let stored = c.app.ds.file_bytes(sha256);
    if stored.is_none() && !c.app.ds.is_bulk(sha256) {
        return not_found();
    }
    // Bulk files (memory benchmark) are generated on demand; see `bulk.rs`.
    let bytes = || -> std::borrow::Cow<[u8]> {
        stored.map_or_else(
            || c.app.ds.bulk.content(sha256).unwrap_or_default().into(),
            Into::into,
        )
    };
    if encoding == "raw" {
        return Reply::raw(200, bytes().into_owned(), "application/octet-stream")
            .header("content-disposition", attachment(&name));
    }
    let c12n = c12n_max(
        sub.map_or(file.classification, |s| s.classification),
        file.classification,
    );
    let meta = sub.map(|s| json!(s.metadata));
    let prepared = c.app.ds.bulk.prepared_cart(sha256, &name, sid);
    let encoded = prepared.unwrap_or_else(|| {
        c.app
            .carts
            .get_or_encode(sha256, &name, sid.unwrap_or(""), || {
                cart::encode(&bytes(), &name, c12n, meta.as_ref())
            })
    });
    let rt = c.app.runtime();
    let body = if rt.truncate_downloads.contains(sha256) {
        faults::truncate(&encoded)
    } else if rt.corrupt_downloads.contains(sha256) {
        faults::corrupt(&encoded)
    } else {
        encoded.to_vec()
    };
    Reply::raw(200, body, "application/octet-stream")
        .header("content-disposition", attachment(&format!("{name}.cart")))
}

/// `POST /auth/login/` with JSON or form data; apikey sessions carry a `roles_limit`.
pub fn login(
    app: &App,
    body: &[u8],
    query: &[(String, String)],
    ip: &str,
    ua: Option<&str>,
) -> Reply {
    let data: Vec<(String, String)> = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => m
            .iter()
            .filter_map(|(k, v)| scalar(v).map(|s| (k.clone(), s)))
            .collect(),
        _ => {
            let mut v = query.to_vec();
            v.extend(parse_query(&String::from_utf8_lossy(body)));
            v
        }
    };
    let get = |k: &str| {
        data.iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let (Some(user), apikey, password) = (get("user"), get("apikey"), get("password")) else {
        return Reply::error(401, "Not enough information to proceed with authentication");
    };
    let revoked = app.runtime().revoked_users;
    let (uname, roles_limit) = if let Some(key) = apikey {
        match auth::check_apikey(user, key, &revoked) {
            Ok((u, roles)) => (u.user, Some(roles)),
            Err(m) => return Reply::error(401, &m),
        }
    } else if let Some(pw) = password {
        match auth::find_user(user).filter(|u| u.password == pw && !revoked.contains(user)) {
            Some(u) => (u.user, None),
            None => return Reply::error(401, "Wrong username or password"),
        }
    } else {
        return Reply::error(401, "Not enough information to proceed with authentication");
    };
    let (session, xsrf) = app
        .sessions
        .create(app.seed, uname, roles_limit.clone(), ip, ua);
    Reply::ok(json!({"username": uname, "roles_limit": roles_limit, "session_duration": SESSION_DURATION}))
        .header("set-cookie", format!("session={session}; HttpOnly; Path=/; SameSite=Lax"))
        .header("set-cookie", format!("XSRF-TOKEN={xsrf}; Path=/"))
}

pub fn logout(app: &App, session: Option<&str>) -> Reply {
    if let Some(id) = session {
        app.sessions.remove(id);
    }
    Reply::ok(json!({"success": true})).expire_session()
}
