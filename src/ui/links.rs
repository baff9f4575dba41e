//! Links back to the Assemblyline UI: every SID and sha256 on the page leads to its page
//! there, in a new tab that gets no handle on this one.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Connection;
use crate::core::api::{file_page, submission_page};
use crate::core::short_hash::short_hash;
use crate::web::clipboard::copy_text;

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

/// A file's page, linked from `text` (a shortened hash, a name).
fn file_link(sha256: &str, text: String) -> AnyView {
    link(file_page(&origin(), sha256), text, "sha mono")
}

/// A sha256 shortened to both its ends (`core::short_hash`), linked to its file page: for
/// cells too narrow for a Copy button beside it (the IoC view's source files).
pub fn short_sha256_link(sha256: &str) -> AnyView {
    file_link(sha256, short_hash(sha256))
}

/// A sha256 shortened to both its ends (`core::short_hash`), linked to its file page, the
/// whole hash on hover, and a button that copies the whole hash.
pub fn short_sha256(sha256: &str) -> AnyView {
    view! {
        <span class="hash" title=sha256.to_string()>
            {file_link(sha256, short_hash(sha256))}
            <CopyHash sha256=sha256.to_string() />
        </span>
    }
    .into_any()
}

/// Copies one whole sha256. Its name for screen readers carries the hash ("Copy sha256 …");
/// it says "Copied" once done, or "Not copied" with the reason on hover.
#[component]
fn CopyHash(sha256: String) -> impl IntoView {
    let outcome = RwSignal::new(None::<Result<(), String>>);
    let copy = {
        let sha256 = sha256.clone();
        move |_| {
            let sha256 = sha256.clone();
            spawn_local(async move { outcome.set(Some(copy_text(&sha256).await)) });
        }
    };
    let words = move || match outcome.get() {
        None => "Copy",
        Some(Ok(())) => "Copied",
        Some(Err(_)) => "Not copied",
    };
    let why = move || outcome.get().and_then(Result::err);
    view! {
        <button type="button" class="copy-hash" data-sha256=sha256.clone() title=why on:click=copy>
            {words}<span class="sr-text">{format!(" sha256 {sha256}")}</span>
        </button>
    }
}
