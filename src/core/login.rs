//! "Use my Assemblyline login": calls ride on the analyst's Assemblyline web session instead
//! of an API key, as the official UI's own calls do — the browser sends the session cookie,
//! and the page sends the `X-XSRF-TOKEN` header copied from the `XSRF-TOKEN` cookie
//! (assemblyline-ui-frontend `helpers/xsrf.tsx`, `getXSRFCookie`; the server compares the two
//! in assemblyline-ui `api/base.py`, `api_login.extra_session_checks`).
//!
//! That works only when this page is served from the Assemblyline origin itself: the cookies
//! belong to that origin, and the server sends no CORS headers.

use super::api::Server;

const XSRF_COOKIE: &str = "XSRF-TOKEN";

/// The `XSRF-TOKEN` value in a `document.cookie` string ("a=1; XSRF-TOKEN=abc; b=2").
pub fn xsrf_token(cookies: &str) -> Option<String> {
    cookies
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == XSRF_COOKIE)
        .map(|(_, value)| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

/// Whether the login can be used from this page, or why not, in words.
pub fn check_login(server: &Server, page_origin: &str, cookies: &str) -> Result<(), String> {
    if page_origin == "null" || page_origin.is_empty() {
        return Err(
            "Your Assemblyline login cannot be used from a page opened from a file: \
                    open AL Collector from the Assemblyline host itself."
                .into(),
        );
    }
    if server.is_cross_origin(page_origin) {
        return Err(format!(
            "Your Assemblyline login can be used only when AL Collector is served from the \
             Assemblyline host itself; this page is at {page_origin}, the Server URL is {}. \
             Leave Server URL empty and open the page from the Assemblyline host, or use an API key.",
            server.origin()
        ));
    }
    if xsrf_token(cookies).is_none() {
        return Err(format!(
            "No Assemblyline login was found in this browser for {page_origin}: sign in to the \
             Assemblyline web UI at {page_origin}/ in this browser (another tab is fine), then \
             press \"Use my Assemblyline login\" again — or use an API key."
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_the_cookie_string() {
        assert_eq!(
            xsrf_token("a=1; XSRF-TOKEN=abc123; b=2"),
            Some("abc123".into())
        );
        assert_eq!(xsrf_token("XSRF-TOKEN=x"), Some("x".into()));
        assert_eq!(xsrf_token("MY-XSRF-TOKEN=x; other=y"), None);
        assert_eq!(xsrf_token("XSRF-TOKEN=; a=1"), None);
        assert_eq!(xsrf_token(""), None);
    }

    #[test]
    fn availability_is_explained() {
        let here = "https://al.example.org";
        let server = Server::parse("", here).unwrap();
        assert_eq!(check_login(&server, here, "XSRF-TOKEN=t"), Ok(()));
        let err = check_login(&server, here, "other=1").unwrap_err();
        assert!(err.contains("sign in to the Assemblyline web UI"), "{err}");
        let elsewhere = Server::parse("https://other.example.org", here).unwrap();
        let err = check_login(&elsewhere, here, "XSRF-TOKEN=t").unwrap_err();
        assert!(err.contains("served from the Assemblyline host"), "{err}");
        let err = check_login(&server, "null", "XSRF-TOKEN=t").unwrap_err();
        assert!(err.contains("opened from a file"), "{err}");
    }
}
