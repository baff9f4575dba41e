//! Demo users, API keys, login sessions and the XSRF rule.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::util::sha256_hex;

pub const SESSION_DURATION: u64 = 3600;

const ALL_ROLES: [&str; 37] = [
    "administration",
    "alert_manage",
    "alert_view",
    "apikey_access",
    "archive_comment",
    "archive_download",
    "archive_manage",
    "archive_trigger",
    "archive_view",
    "assistant_use",
    "badlist_manage",
    "badlist_view",
    "bundle_download",
    "external_query",
    "file_detail",
    "file_download",
    "file_purge",
    "heuristic_view",
    "obo_access",
    "replay_system",
    "replay_trigger",
    "retrohunt_run",
    "retrohunt_view",
    "safelist_manage",
    "safelist_view",
    "self_manage",
    "signature_download",
    "signature_import",
    "signature_manage",
    "signature_view",
    "submission_create",
    "submission_customize",
    "submission_delete",
    "submission_manage",
    "submission_view",
    "workflow_manage",
    "workflow_view",
];
const ADMIN_ONLY: [&str; 6] = [
    "administration",
    "file_purge",
    "replay_system",
    "signature_import",
    "signature_manage",
    "assistant_use",
];
const VIEWER: [&str; 11] = [
    "alert_view",
    "apikey_access",
    "badlist_view",
    "file_detail",
    "obo_access",
    "heuristic_view",
    "safelist_view",
    "self_manage",
    "signature_view",
    "submission_view",
    "workflow_view",
];
const ACL_R: [&str; 15] = [
    "alert_view",
    "archive_view",
    "archive_download",
    "badlist_view",
    "bundle_download",
    "external_query",
    "file_detail",
    "file_download",
    "heuristic_view",
    "safelist_view",
    "signature_download",
    "signature_view",
    "submission_view",
    "workflow_view",
    "retrohunt_view",
];
const ACL_W: [&str; 11] = [
    "alert_manage",
    "archive_trigger",
    "archive_manage",
    "badlist_manage",
    "replay_trigger",
    "safelist_manage",
    "submission_create",
    "submission_delete",
    "submission_manage",
    "submission_customize",
    "retrohunt_run",
];
const ACL_E: [&str; 9] = [
    "administration",
    "apikey_access",
    "file_purge",
    "obo_access",
    "replay_system",
    "self_manage",
    "signature_import",
    "signature_manage",
    "workflow_manage",
];

#[derive(Clone, Debug)]
pub struct DemoUser {
    pub user: &'static str,
    /// `keyname:secret`, the `X-APIKEY` value.
    pub apikey: &'static str,
    pub password: &'static str,
    /// AL user type: `admin`, `user` or `viewer`.
    pub user_type: &'static str,
    pub name: &'static str,
    /// The key's ACL letters.
    pub acl: &'static str,
}

pub fn demo_users() -> Vec<DemoUser> {
    vec![
        DemoUser {
            user: "admin",
            apikey: "demo:9f4c2b7e1a6d3058c1e2",
            password: "admin-password",
            user_type: "admin",
            name: "Mock Administrator",
            acl: "RWE",
        },
        DemoUser {
            user: "analyst",
            apikey: "demo:3b8e6f1c9d2a4705b6a9",
            password: "analyst-password",
            user_type: "user",
            name: "Read-only Analyst",
            acl: "R",
        },
        DemoUser {
            user: "viewer",
            apikey: "demo:6a1d9e3c5b7f20484d3c",
            password: "viewer-password",
            user_type: "viewer",
            name: "Viewer Account",
            acl: "R",
        },
    ]
}

pub fn find_user(uname: &str) -> Option<DemoUser> {
    demo_users().into_iter().find(|u| u.user == uname)
}

fn type_roles(t: &str) -> BTreeSet<&'static str> {
    match t {
        "admin" => ALL_ROLES.into_iter().collect(),
        "viewer" => VIEWER.into_iter().collect(),
        _ => ALL_ROLES
            .into_iter()
            .filter(|r| !ADMIN_ONLY.contains(r))
            .collect(),
    }
}

pub fn acl_roles(acl: &str) -> Vec<String> {
    let mut s = BTreeSet::new();
    for (letter, roles) in [('R', &ACL_R[..]), ('W', &ACL_W[..]), ('E', &ACL_E[..])] {
        if acl.contains(letter) {
            s.extend(roles.iter().copied());
        }
    }
    s.into_iter().map(String::from).collect()
}

/// The user's type roles, intersected with the key's `roles_limit` when there is one.
pub fn effective_roles(u: &DemoUser, roles_limit: Option<&[String]>) -> Vec<String> {
    type_roles(u.user_type)
        .into_iter()
        .filter(|r| roles_limit.is_none_or(|l| l.iter().any(|x| x == r)))
        .map(String::from)
        .collect()
}

/// An Assemblyline web login session: what `POST /api/v4/auth/login/` opens and the `session`
/// cookie names, bound to the user, the XSRF token, the client's address and user agent.
#[derive(Clone)]
pub struct Session {
    pub user: String,
    pub roles_limit: Option<Vec<String>>,
    pub xsrf: String,
    pub ip: String,
    pub user_agent: Option<String>,
    last_used: Instant,
}

/// The open login sessions by cookie value.
#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
    counter: AtomicU64,
}

pub struct Identity {
    pub user: DemoUser,
    pub roles: Vec<String>,
}

/// Why authentication failed: 401 with a message, or 403 (bad XSRF token).
pub enum Denied {
    Unauthorized(String),
    Forbidden(String),
}

impl Sessions {
    pub fn token(&self, seed: u64) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        sha256_hex(format!("{seed}:{n}:{:?}", Instant::now()).as_bytes())
    }

    pub fn create(
        &self,
        seed: u64,
        user: &str,
        roles_limit: Option<Vec<String>>,
        ip: &str,
        ua: Option<&str>,
    ) -> (String, String) {
        let (id, xsrf) = (self.token(seed), self.token(seed)[..32].to_string());
        let s = Session {
            user: user.into(),
            roles_limit,
            xsrf: xsrf.clone(),
            ip: ip.into(),
            user_agent: ua.map(String::from),
            last_used: Instant::now(),
        };
        self.map.lock().expect("sessions").insert(id.clone(), s);
        (id, xsrf)
    }

    pub fn remove(&self, id: &str) {
        self.map.lock().expect("sessions").remove(id);
    }

    /// `get_logged_in_user` + `extra_session_checks` for cookie sessions.
    pub fn check(
        &self,
        id: Option<&str>,
        ip: &str,
        ua: Option<&str>,
        xsrf: Option<&str>,
        check_xsrf: bool,
    ) -> Result<Session, Denied> {
        let id = id
            .filter(|i| !i.is_empty())
            .ok_or_else(|| Denied::Unauthorized("Session not found".into()))?;
        let mut map = self.map.lock().expect("sessions");
        let s = match map.get_mut(id) {
            Some(s) if s.last_used.elapsed() <= Duration::from_secs(SESSION_DURATION) => s,
            _ => return Err(Denied::Unauthorized("Session expired".into())),
        };
        if s.ip != ip {
            return Err(Denied::Unauthorized(
                "Invalid source IP for this session".into(),
            ));
        }
        if s.user_agent.as_deref() != ua {
            return Err(Denied::Unauthorized(
                "Invalid user agent for this session".into(),
            ));
        }
        if s.roles_limit.is_none() && check_xsrf && xsrf != Some(s.xsrf.as_str()) {
            return Err(Denied::Forbidden("Invalid XSRF token".into()));
        }
        s.last_used = Instant::now();
        Ok(s.clone())
    }
}

/// `validate_apikey`: every failure reads "Invalid user or APIKey".
pub fn check_apikey(
    uname: &str,
    apikey: &str,
    revoked: &BTreeSet<String>,
) -> Result<(DemoUser, Vec<String>), String> {
    let invalid = || "Invalid user or APIKey".to_string();
    let u = find_user(uname).ok_or_else(invalid)?;
    if apikey != u.apikey || revoked.contains(uname) || !apikey.contains(':') {
        return Err(invalid());
    }
    Ok((u.clone(), acl_roles(u.acl)))
}
