//! Links back to the Assemblyline UI: every SID and sha256 on the page leads to its page
//! there, in a new tab that gets no handle on this one.

use leptos::prelude::*;

use super::Connection;
use crate::core::api::{file_page, submission_page};

/// The connected server's origin, for links; empty before Connect.
pub fn origin() -> String {
    use_context::<Connection>()
        .and_then(|s| {
            s.transport
                .with_untracked(|t| t.as_ref().map(|t| t.server.origin()))
        })
        .unwrap_or_default()
}

fn link(href: String, text: String, class: &'static str) -> AnyView {
    if href.is_empty() {
        return view! { <span class=class>{text}</span> }.into_any();
    }
    view! {
        <a class=class href=href target="_blank" rel="noopener noreferrer">{text}</a>
    }
    .into_any()
}

/// A SID, linked to its submission page.
pub fn sid_link(sid: &str) -> AnyView {
    link(submission_page(&origin(), sid), sid.to_string(), "sid")
}

/// A sha256, linked to its file page.
pub fn sha256_link(sha256: &str) -> AnyView {
    file_link(sha256, sha256.to_string())
}

/// A file's page, linked from `text` (a shortened hash, a name).
pub fn file_link(sha256: &str, text: String) -> AnyView {
    link(file_page(&origin(), sha256), text, "sha mono")
}
