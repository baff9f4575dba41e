//! One error type for everything that can go wrong talking to Assemblyline, worded for an
//! analyst. No variant ever holds the API key: messages are built from status codes and the
//! server's own error text only.

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ApiError {
    #[error("Server URL: {0}")]
    BadServerUrl(String),

    #[error("{}", network_words(.cross_origin))]
    Network { cross_origin: bool },

    #[error("The server refused the credentials ({0}). Check the user name and API key; the key may be wrong, revoked or expired.")]
    Unauthorized(String),

    #[error("Access denied: {message}{}", role_hint(.role))]
    Forbidden {
        message: String,
        role: Option<String>,
    },

    #[error("Not found: {0}")]
    NotFound(String),

    /// A submission the search returned that the server no longer has (deleted or expired
    /// between the search and this call).
    #[error("deleted since it was found (the server now answers HTTP 404: {0})")]
    DeletedSinceFound(String),

    /// The server requires its Terms of Service and this user has not agreed: every call but
    /// whoami is refused alike.
    #[error("{0} — the Assemblyline administrators require their Terms of Service. Fix: open the Assemblyline web UI, sign in as this user and agree to the Terms of Service, then Connect again.")]
    TermsOfService(String),

    #[error("The server rejected the request: {0}")]
    BadRequest(String),

    #[error("Too many calls at once for this user ({0}); retrying more slowly.")]
    ConcurrentQuota(String),

    #[error("The daily API quota of this user is used up ({0}). Nothing more can be fetched today; what was collected so far is kept.")]
    DailyQuota(String),

    #[error("{}", gateway_words(*.0))]
    Gateway(u16),

    #[error("The answer was cut off before its end (connection reset or proxy timeout).")]
    Interrupted,

    #[error("Server error (HTTP {status}): {message}")]
    Server { status: u16, message: String },

    #[error("The server answered HTTP {status} with something that is not Assemblyline JSON ({snippet}). A proxy or login page may be in the way.")]
    NotJson { status: u16, snippet: String },

    #[error("Unexpected answer from the server: {0}")]
    Decode(String),

    #[error("Cancelled.")]
    Aborted,
}

fn network_words(cross_origin: &bool) -> String {
    let base = "Could not reach the Assemblyline server: it is down or unreachable, or the browser blocked the call.";
    if *cross_origin {
        format!(
            "{base} The Server URL is another origin than this page, and Assemblyline sends no CORS \
             headers, so browsers refuse such calls. Fix: open AL Collector from the Assemblyline \
             host itself (same origin), or put both behind one reverse proxy (see README)."
        )
    } else {
        base.to_string()
    }
}

/// 502 and 504 come from a proxy (nginx), never from Assemblyline's API itself, which always
/// answers in its JSON envelope: the reason is in that proxy's error log, not on the page.
fn gateway_words(status: u16) -> String {
    let what = if status == 504 {
        "the proxy timed out waiting for Assemblyline"
    } else {
        "the proxy could not reach Assemblyline"
    };
    format!(
        "HTTP {status}: {what}; retried, still failing. The reason is in the proxy's error log \
         (nginx: /var/log/nginx/error.log, or `docker logs nginx` on the appliance), e.g. a \
         certificate it does not trust or Assemblyline down."
    )
}

fn role_hint(role: &Option<String>) -> String {
    match role.as_deref() {
        Some(role) => format!(" — this account lacks the '{role}' role; ask an Assemblyline administrator for it or use another key."),
        None => String::new(),
    }
}

impl ApiError {
    /// Errors worth another try after a pause; everything else needs the user.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ApiError::ConcurrentQuota(_)
                | ApiError::Gateway(_)
                | ApiError::Interrupted
                | ApiError::Network { .. }
        )
    }

    /// Errors that end a whole run: more calls cannot succeed.
    pub fn stops_run(&self) -> bool {
        // A missing role refuses every later call alike; other 403s (classification) are
        // about one object.
        matches!(
            self,
            ApiError::DailyQuota(_)
                | ApiError::Unauthorized(_)
                | ApiError::Aborted
                | ApiError::BadServerUrl(_)
                | ApiError::Forbidden { role: Some(_), .. }
                | ApiError::TermsOfService(_)
        )
    }

    /// A 404 for a submission the search had just returned: it was deleted (or expired) since.
    /// Other errors are kept as they are.
    pub fn for_found_submission(self) -> ApiError {
        match self {
            ApiError::NotFound(message) => ApiError::DeletedSinceFound(message),
            other => other,
        }
    }

    /// The search refused a deep-paging id because its point in time expired: the datastore
    /// keeps one alive 5 minutes between pages (assemblyline-base `datastore/collection.py`,
    /// `KEEP_ALIVE = "5m"`), and the search API turns Elasticsearch's
    /// `search_context_missing_exception` into a 400 "SearchException: ... No search context
    /// found for id [...]" (assemblyline-ui `api/v4/search.py`, `search`).
    pub fn is_expired_cursor(&self) -> bool {
        match self {
            ApiError::BadRequest(message) | ApiError::Server { message, .. } => {
                let m = message.to_lowercase();
                m.contains("no search context found") || m.contains("search_context_missing")
            }
            ApiError::NotFound(message) => message.to_lowercase().contains("search context"),
            _ => false,
        }
    }
}

/// The refusal every call gets until the user agrees: assemblyline-ui `api/base.py`,
/// `api_login.__call__` aborts 403 "Agree to Terms of Service before you can make any API
/// calls" for every path but whoami, the ToS pages and logout.
pub fn is_terms_of_service(message: &str) -> bool {
    message.to_lowercase().contains("terms of service")
}

/// The official client's rule: a 503 mentioning both "quota" and "daily" cannot be retried.
pub fn is_daily_quota(message: &str) -> bool {
    let m = message.to_lowercase();
    m.contains("quota") && m.contains("daily")
}

/// Pulls the role out of "Access Denied (/api/v4/...) [Missing required role: file_download]"-
/// style messages, however the reason is phrased, by looking for a known role name.
pub(super) fn missing_role(message: &str) -> Option<String> {
    const ROLES: [&str; 4] = [
        "file_download",
        "submission_view",
        "bundle_download",
        "file_detail",
    ];
    let reason = message.rsplit_once('[').map(|(_, r)| r).unwrap_or(message);
    ROLES
        .iter()
        .find(|r| reason.contains(*r))
        .map(|r| r.to_string())
}
