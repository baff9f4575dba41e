//! Whether the browser may refuse the downloads the page starts. Chromium (Chrome, Edge)
//! blocks a download started by a page that is not a secure context ("Insecure download
//! blocked"), and the page gets no word of it: a Blob link "clicked" looks the same either
//! way. A page served over plain http is a secure context only from a potentially
//! trustworthy origin: loopback addresses and `localhost` (W3C Secure Contexts, "Is origin
//! potentially trustworthy?"). Firefox saves such downloads.

use url::{Host, Url};

/// True for an `http:` origin that is not on this computer (not localhost, 127.0.0.0/8 or
/// `::1`): there Chromium blocks downloads. `https:`, `file:` (the opaque "null" origin) and
/// anything unreadable are not flagged.
pub fn downloads_may_be_blocked(origin: &str) -> bool {
    let Ok(url) = Url::parse(origin) else {
        return false;
    };
    url.scheme() == "http" && !url.host().is_some_and(|h| is_loopback(&h))
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        // Browsers resolve `localhost` and its subdomains to loopback themselves.
        Host::Domain(name) => {
            let name = name.trim_end_matches('.');
            name == "localhost" || name.ends_with(".localhost")
        }
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// The warning beside the buttons that save files, on a page where they may be blocked.
pub const BLOCKED_DOWNLOADS_WARNING: &str = "This page is served over plain http from another \
    computer, so Chrome and Edge block the files it saves (\"Insecure download blocked\"), and \
    the page cannot tell. Open it over https (on the Assemblyline host, see the deployment \
    guide) or through localhost (an SSH tunnel); Firefox saves them.";

/// After a zip was handed to the browser as a download: what to do when none appears.
pub fn no_download_hint(may_be_blocked: bool) -> &'static str {
    if may_be_blocked {
        "If no download appears, the browser blocked it: Chrome and Edge refuse downloads from \
         a plain-http page on another computer. Open the page over https or through localhost."
    } else {
        "If no download appears, the browser blocked it or is asking where to save it: look in \
         its downloads list."
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_on_the_network_is_flagged() {
        for origin in [
            "http://10.0.0.5:8080",
            "http://192.168.1.20",
            "http://al-collector.lab.example",
            "http://[fe80::1]:8080",
            "http://128.0.0.1",
            // A name that only looks local is still a network address.
            "http://localhost.example.org",
        ] {
            assert!(downloads_may_be_blocked(origin), "{origin}");
        }
    }

    #[test]
    fn secure_contexts_are_not_flagged() {
        for origin in [
            "https://al.example.org",
            "https://10.0.0.5:8443",
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://localhost:8080",
            "http://LOCALHOST",
            "http://collector.localhost",
            "http://[::1]:8080",
            // A page opened from disk: the opaque origin.
            "null",
            "",
        ] {
            assert!(!downloads_may_be_blocked(origin), "{origin}");
        }
    }

    #[test]
    fn the_hint_names_the_cause_only_where_it_applies() {
        assert!(no_download_hint(true).contains("plain-http"));
        assert!(!no_download_hint(false).contains("plain-http"));
        assert!(BLOCKED_DOWNLOADS_WARNING.contains("https"));
    }
}
