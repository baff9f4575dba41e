use leptos::prelude::*;

use super::Phase;
use crate::core::units::megabytes;
use crate::web::collection::CollectionSignal;
use crate::web::download::Saved;

/// Says so when a finished scan found nothing, rather than showing an empty table.
fn empty_words(submissions: usize, files: usize) -> Option<&'static str> {
    match (submissions, files) {
        (0, _) => Some("No submission matches this query."),
        (_, 0) => Some("No file in the matching submissions reaches the score threshold."),
        _ => None,
    }
}

/// Where the run stands, read straight from the collection state.
#[component]
pub fn Progress(
    state: CollectionSignal,
    phase: RwSignal<Phase>,
    saved: RwSignal<Vec<Saved>>,
) -> impl IntoView {
    let scan = move || {
        let t = state.with(|c| c.totals());
        let headline = match phase.get() {
            Phase::Idle => return None,
            Phase::Finding => "Scanning…",
            _ if t.failed_submissions > 0 => {
                "Scan complete, with submissions that could not be scanned"
            }
            _ => "Scan complete",
        };
        Some(view! {
            <p><strong>{headline}</strong></p>
            <p>"Submissions scanned: " <strong>{t.submissions_scanned}</strong> " / " {t.submissions_total_known}
               {(t.failed_submissions > 0).then(|| format!(" ({} failed)", t.failed_submissions))}
               {(t.partial_submissions > 0).then(|| format!(" ({} still being analysed)", t.partial_submissions))}</p>
            <p>"Files found: " <strong>{t.files}</strong> " (" {megabytes(t.bytes)} ")"</p>
            {(phase.get() != Phase::Finding).then(|| empty_words(t.submissions_total_known, t.files)).flatten().map(|w| view! { <p class="empty">{w}</p> })}
        })
    };
    let downloads = move || {
        let p = state.with(|c| c.progress());
        (p.total > 0).then(|| {
            view! {
                <p>"Downloaded: " <strong>{p.downloaded}</strong> " / " {p.total}
                   " (" {megabytes(p.bytes)} " cART)"</p>
                <p>"Failed: " <strong>{p.failed}</strong></p>
            }
        })
    };
    let memory = move || {
        state.track();
        phase.track();
        let bytes = crate::web::wasm_memory_bytes();
        view! { <p class="wasm-memory" data-bytes=bytes.to_string()>"WASM memory: " {megabytes(bytes)}</p> }
    };
    let saves = move || {
        saved.get().into_iter().map(|s| view! {
            <p class="saved"><strong>"Zip saved: "</strong> {s.file_name} " — " {s.files} " files, "
               {megabytes(s.bytes)}
               {(s.failures > 0).then(|| format!("; {} not collected (listed in manifest.json, see below)", s.failures))}</p>
        }).collect_view()
    };
    view! {
        <div class="progress" role="status" aria-live="polite">
            {scan} {downloads} {memory} {saves}
        </div>
        <Failures state=state />
    }
}

/// Everything not collected, with the reason: never dropped silently.
#[component]
fn Failures(state: CollectionSignal) -> impl IntoView {
    let rows = move || state.with(|c| c.failures());
    view! {
        <Show when=move || !rows().is_empty()>
            <h3>"Not collected"</h3>
            <ul class="failures">
                {move || rows().into_iter().map(|f| {
                    let what = if f.sha256.is_empty() { format!("submission {}", f.sids.join(", ")) } else { f.sha256.clone() };
                    view! { <li><span class="mono">{what}</span> " — " {f.reason}</li> }
                }).collect_view()}
            </ul>
        </Show>
    }
}
