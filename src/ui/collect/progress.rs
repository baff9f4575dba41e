use leptos::prelude::*;

use super::LiveBoard;
use crate::core::download_origin::no_download_hint;
use crate::core::units::{duration, megabytes, size};
use crate::run::board::Phase;

/// Says so when a finished scan found nothing, rather than showing an empty table.
fn empty_words(submissions: usize, files: usize) -> Option<&'static str> {
    match (submissions, files) {
        (0, _) => Some("No submission matches this query."),
        (_, 0) => Some("No file in the matching submissions reaches the score threshold."),
        _ => None,
    }
}

/// Where a pass's zips went: the first of them (its index among the saved zips), and
/// whether to a file the user picked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZipTarget {
    pub first: usize,
    pub picked: bool,
}

/// True when saved zip number `index` went to a file the user picked.
fn picked(targets: &[ZipTarget], index: usize) -> bool {
    targets
        .iter()
        .rev()
        .find(|t| t.first <= index)
        .is_some_and(|t| t.picked)
}

/// Where the run stands, read from the collection's counters (O(1) per frame). A zip written
/// to a file the user picked is saved; one handed to the browser as a download may still be
/// refused, and the page cannot know (`blocked`: this origin makes that likely).
#[component]
pub fn Progress(
    live: LiveBoard,
    zip_targets: Signal<Vec<ZipTarget>>,
    blocked: bool,
) -> impl IntoView {
    let scan = move || {
        let (phase, t, searching) = live.with(|b| (b.phase, b.collection.totals(), b.searching));
        let headline = match phase {
            Phase::Idle => return None,
            _ if searching || t.trees_queued + t.trees_in_flight > 0 => "Scanning…",
            _ if t.failed_submissions > 0 => {
                "Scan complete, with submissions that could not be scanned"
            }
            _ => "Scan complete",
        };
        let done = t.submissions_scanned + t.failed_submissions;
        Some(view! {
            <p><strong>{headline}</strong></p>
            <p><label for="scan-bar">"Submissions scanned: "</label>
               <strong>{done}</strong> " / " {t.submissions_total_known}
               {searching.then_some(" (more coming)")}
               {(t.failed_submissions > 0).then(|| format!(" ({} failed)", t.failed_submissions))}
               {(t.partial_submissions > 0).then(|| format!(" ({} incomplete)", t.partial_submissions))}
               {(t.hidden_submissions > 0).then(|| format!(" ({} with files hidden from you)", t.hidden_submissions))}</p>
            <progress id="scan-bar" max=t.submissions_total_known.max(1) value=done></progress>
            <p>"Files found: " <strong>{t.files}</strong> " (" <span title=format!("{} bytes", t.bytes)>{size(t.bytes)}</span> ")"
               {(t.already_collected > 0).then(|| format!(", {} already collected by the previous run, skipped", t.already_collected))}</p>
            {(!matches!(phase, Phase::Finding) && !searching).then(|| empty_words(t.submissions_total_known, t.files)).flatten().map(|w| view! { <p class="empty">{w}</p> })}
        })
    };
    let downloads = move || {
        let (p, started) = live.with(|b| (b.collection.progress(), b.started_ms));
        (p.total > 0).then(|| {
            let seconds = ((crate::web::now_ms() - started) / 1000.0).max(0.001);
            let rate = (p.bytes as f64 / seconds) as u64;
            let left = p.queued + p.in_flight;
            let eta = (p.downloaded > 0 && left > 0)
                .then(|| duration((seconds * left as f64 / p.downloaded as f64) as u64));
            view! {
                <p><label for="download-bar">"Downloaded: "</label> <strong>{p.downloaded}</strong> " / " {p.total}
                   " (" {megabytes(p.bytes)} " cART"
                   {(p.downloaded > 0).then(|| format!(", {}/s", size(rate)))}
                   {eta.map(|e| format!(", about {e} left"))} ")"</p>
                <progress id="download-bar" max=p.total.max(1) value=p.downloaded + p.failed></progress>
                <p>"Failed: " <strong>{p.failed}</strong></p>
            }
        })
    };
    let saves = move || {
        let targets = zip_targets.get();
        live.with(|b| b.saved.clone()).into_iter().enumerate().map(|(i, s)| {
            let (what, hint) = if picked(&targets, i) {
                ("Zip saved: ", None)
            } else {
                ("Zip handed to the browser: ", Some(no_download_hint(blocked)))
            };
            view! {
            <p class="saved"><strong>{what}</strong> {s.file_name} " — " {s.files} " files, "
               {megabytes(s.bytes)}
               {(s.failures > 0).then(|| format!("; {} not collected (listed in manifest.json, see below)", s.failures))}
               {hint.map(|h| format!(". {h}"))}</p>
            }
        }).collect_view()
    };
    let memory = move || {
        live.with(|_| ());
        // The page's and the byte worker's (as it last reported).
        let bytes = crate::web::wasm_memory_bytes() + crate::web::worker::wasm_bytes();
        view! { <p class="wasm-memory" data-bytes=bytes.to_string()>"WASM memory: " {megabytes(bytes)}</p> }
    };
    // Where the cARTs are verified and zipped: in the details, and in the progress when it
    // is the page itself (slower, and the page says why).
    let byte_work = move |on_page: bool| {
        move || {
            live.with(|_| ());
            let (words, fallback) = crate::web::worker::status()?;
            (fallback == on_page).then(|| view! { <p class="byte-work">{words}</p> })
        }
    };
    view! {
        <div class="progress" role="status" aria-live="polite">
            {scan} {downloads} {saves} {byte_work(true)}
        </div>
        <details class="diagnostics"><summary>"Details"</summary>{memory}{byte_work(false)}</details>
    }
}
