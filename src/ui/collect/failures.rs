use leptos::prelude::*;

use super::LiveBoard;
use crate::ui::links::{short_sha256, sid_link};
use crate::ui::verdict::score_chip;

/// Failures drawn at once; the manifest lists them all.
const SHOWN: usize = 200;

/// Everything not collected, with the reason: never dropped silently. The list is rebuilt
/// only when the failures change, not on every frame of a run.
#[component]
pub fn Failures(live: LiveBoard) -> impl IntoView {
    let version = Memo::new(move |_| live.with(|b| b.collection.failures_version()));
    let rows = Memo::new(move |_| {
        // `get`, not `track`: a memo only recomputes when read.
        let _ = version.get();
        live.peek(|b| b.collection.settled_failures())
    });
    view! {
        <Show when=move || rows.with(|r| !r.is_empty())>
            <h3>"Not collected"</h3>
            <ul class="failures">
                {move || rows.with(|all| {
                    let more = all.len().saturating_sub(SHOWN);
                    let shown = all.iter().take(SHOWN).map(|f| {
                        let what = if f.sha256.is_empty() {
                            view! { "submission " {f.sids.iter().enumerate().map(|(k, sid)| view! { {(k > 0).then_some(", ")}{sid_link(sid)} }).collect_view()} }.into_any()
                        } else {
                            view! { {short_sha256(&f.sha256)} " " {score_chip(f.score)} }.into_any()
                        };
                        view! { <li>{what} " — " {f.reason.clone()}</li> }
                    }).collect_view();
                    view! {
                        {shown}
                        {(more > 0).then(|| view! { <li class="more">{format!("… and {more} more, all listed in the zip's manifest.json")}</li> })}
                    }
                })}
            </ul>
        </Show>
    }
}
