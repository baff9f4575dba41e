//! What an answer means: the envelope every JSON answer carries, and the mapping from an
//! HTTP status and body to the record or to the error in words. Apart from `api` (routes and
//! records) and `error` (the errors), so neither needs the other's details.

use serde::Deserialize;

use super::api::Route;
use super::error::{is_daily_quota, is_terms_of_service, missing_role, ApiError};

/// The envelope every JSON answer carries. `api_response` stays unparsed text until the
/// status is known, because error answers put strings, lists or dicts there; it is then read
/// straight into its record (going through `serde_json::Value` cost page weight).
#[derive(Debug, Deserialize)]
pub struct Envelope {
    #[serde(default)]
    pub api_response: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    pub api_error_message: Option<String>,
    #[serde(default)]
    pub api_status_code: Option<u16>,
    #[serde(default)]
    pub api_server_version: Option<String>,
}

/// Turns a finished HTTP exchange into the typed record, or the error in words.
pub fn parse_json<T: serde::de::DeserializeOwned>(
    route: Route,
    status: u16,
    body: &str,
) -> Result<T, ApiError> {
    if !(200..300).contains(&status) {
        return Err(ApiError::from_status(route, status, body));
    }
    let envelope: Envelope =
        serde_json::from_str(body).map_err(|_| ApiError::not_json(route, status, body))?;
    let response = envelope.api_response.as_deref().map_or("null", |r| r.get());
    serde_json::from_str(response).map_err(|e| {
        // The position is within `api_response`, not the body: it would only mislead.
        let text = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let text = text.strip_suffix(&position).unwrap_or(&text);
        ApiError::Decode(format!("{}: {text}", route.describe()))
    })
}

impl ApiError {
    /// Classifies a non-2xx answer. Assemblyline never sends 429: quota overruns are 503s
    /// whose message tells the concurrent limit from the daily one.
    pub fn from_status(route: Route, status: u16, body: &str) -> ApiError {
        let envelope: Option<Envelope> = serde_json::from_str(body).ok();
        let Some(envelope) = envelope else {
            return ApiError::not_json(route, status, body);
        };
        let message = envelope.api_error_message.unwrap_or_default();
        let message = if message.trim().is_empty() {
            format!("HTTP {status}")
        } else {
            message
        };
        match status {
            400 => ApiError::BadRequest(message),
            401 => ApiError::Unauthorized(message),
            403 if is_terms_of_service(&message) => ApiError::TermsOfService(message),
            403 => {
                let role = missing_role(&message);
                ApiError::Forbidden { message, role }
            }
            404 => ApiError::NotFound(message),
            503 if is_daily_quota(&message) => ApiError::DailyQuota(message),
            503 if message.to_lowercase().contains("quota") => ApiError::ConcurrentQuota(message),
            502 | 504 => ApiError::Gateway(status),
            _ => ApiError::Server { status, message },
        }
    }

    pub fn not_json(route: Route, status: u16, body: &str) -> ApiError {
        // The proxy in front of Assemblyline answers these in HTML while the backend is down
        // or being replaced (a rolling update leaves no upstream for a moment): try again.
        if matches!(status, 502..=504) {
            return ApiError::Gateway(status);
        }
        let text: String = body.chars().filter(|c| !c.is_control()).take(80).collect();
        let snippet = if text.trim().is_empty() {
            format!("empty {}", route.describe())
        } else {
            text
        };
        ApiError::NotJson { status, snippet }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::api::Route;

    fn env(status: u16, msg: &str) -> String {
        serde_json::json!({"api_response": "", "api_error_message": msg, "api_status_code": status})
            .to_string()
    }

    #[test]
    fn quota_503s_are_told_apart() {
        let c = ApiError::from_status(
            Route::Tree,
            503,
            &env(
                503,
                "You've exceeded your maximum concurrent API calls quota of 10",
            ),
        );
        assert!(matches!(c, ApiError::ConcurrentQuota(_)));
        assert!(c.is_retryable() && !c.stops_run());
        let d = ApiError::from_status(
            Route::Tree,
            503,
            &env(
                503,
                "You've exceeded your daily maximum API calls quota of 1000",
            ),
        );
        assert!(matches!(d, ApiError::DailyQuota(_)));
        assert!(!d.is_retryable() && d.stops_run());
        assert!(d.to_string().contains("daily API quota"));
    }

    #[test]
    fn html_gateway_pages_are_retryable_and_other_html_is_named() {
        let e = ApiError::from_status(
            Route::Search,
            502,
            "<html><body>502 Bad Gateway</body></html>",
        );
        assert_eq!(e, ApiError::Gateway(502));
        assert!(e.is_retryable());
        let words = e.to_string();
        assert!(
            words.contains("HTTP 502")
                && words.contains("the proxy could not reach Assemblyline")
                && words.contains("error log"),
            "{words}"
        );
        let e = ApiError::from_status(
            Route::Search,
            400,
            "<html>Bad Request\nRequest Line is too large</html>",
        );
        assert!(matches!(e, ApiError::NotJson { status: 400, .. }));
        assert!(e.to_string().contains("Request Line is too large"));
    }

    #[test]
    fn html_503_from_a_proxy_is_retried_like_502() {
        let page = "<html><head><title>503 Service Temporarily Unavailable</title></head></html>";
        let e = ApiError::from_status(Route::Tree, 503, page);
        assert_eq!(e, ApiError::Gateway(503));
        assert!(e.is_retryable() && !e.stops_run());
        assert!(ApiError::from_status(Route::Tree, 503, "").is_retryable());
    }

    #[test]
    fn terms_of_service_refusal_stops_the_run_and_says_the_fix() {
        let e = ApiError::from_status(
            Route::Tree,
            403,
            &env(
                403,
                "Agree to Terms of Service before you can make any API calls",
            ),
        );
        assert!(matches!(e, ApiError::TermsOfService(_)), "{e:?}");
        assert!(e.stops_run() && !e.is_retryable());
        let words = e.to_string();
        assert!(
            words.contains("Agree to Terms of Service") && words.contains("agree to the Terms"),
            "{words}"
        );
        // A classification 403 stays about one object.
        let other = ApiError::from_status(Route::Tree, 403, &env(403, "You are not allowed"));
        assert!(!other.stops_run());
    }

    #[test]
    fn a_found_submission_that_404s_was_deleted_since() {
        let e = ApiError::from_status(
            Route::Tree,
            404,
            &env(404, "Submission ID x does not exists."),
        )
        .for_found_submission();
        assert!(matches!(e, ApiError::DeletedSinceFound(_)));
        assert!(
            e.to_string().starts_with("deleted since it was found"),
            "{e}"
        );
        assert!(!e.stops_run() && !e.is_retryable());
        let other = ApiError::Gateway(502).for_found_submission();
        assert_eq!(other, ApiError::Gateway(502));
    }

    #[test]
    fn expired_deep_paging_cursor_is_recognised() {
        let e = ApiError::from_status(
            Route::Search,
            400,
            &env(400, "SearchException: No search context found for id [31]"),
        );
        assert!(e.is_expired_cursor());
        let bad_query =
            ApiError::from_status(Route::Search, 400, &env(400, "SearchException: bad query"));
        assert!(!bad_query.is_expired_cursor());
    }

    #[test]
    fn missing_role_is_named() {
        let e = ApiError::from_status(
            Route::Download,
            403,
            &env(
                403,
                "Access Denied (/api/v4/file/download/x/) [Missing required role: file_download]",
            ),
        );
        assert!(
            e.to_string().contains("lacks the 'file_download' role"),
            "{e}"
        );
    }

    #[test]
    fn auth_and_bad_request_carry_server_words() {
        let e = ApiError::from_status(Route::WhoAmI, 401, &env(401, "Invalid user or APIKey"));
        assert!(e.to_string().contains("Invalid user or APIKey"));
        assert!(e.stops_run());
        let e = ApiError::from_status(Route::Search, 400, &env(400, "SearchException: bad query"));
        assert_eq!(
            e.to_string(),
            "The server rejected the request: SearchException: bad query"
        );
    }

    #[test]
    fn network_error_explains_cors_only_when_cross_origin() {
        assert!(ApiError::Network { cross_origin: true }
            .to_string()
            .contains("CORS"));
        assert!(!ApiError::Network {
            cross_origin: false
        }
        .to_string()
        .contains("CORS"));
    }
}
