//! The Collect tab: find the files scoring ≥ a threshold, preview them, bundle them as cART.

mod progress;
mod table;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{ErrorLine, Session};
use crate::core::bundle::{parse_part_size, MEMORY_PART_BYTES};
use crate::core::collect::Collection;
use crate::web::collection::{self, CollectionSignal};
use crate::web::download::{self, RunInfo, Saved};
use crate::web::focus;
use crate::web::http::Cancel;
use crate::web::save;
use crate::web::scratch;
use crate::web::zip_sink::ZipSink;

/// Where focus waits while Find files runs (the button disables itself): the progress lines.
const PROGRESS: &str = "#panel-collect .progress";

/// Above this, saving straight to disk is suggested (Chrome keeps big Blobs in memory).
const LARGE_BYTES: u64 = 1 << 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Idle,
    Finding,
    Found,
    Downloading,
    Done,
}

fn default_query(threshold: &str) -> String {
    format!("max_score:>={}", threshold.trim())
}

/// The threshold as typed, or the words saying why it is not one.
fn parse_threshold(text: &str) -> Result<i64, String> {
    text.trim().parse::<i64>().map_err(|_| {
        format!(
            "Score threshold must be a whole number such as 7000 (got {:?}).",
            text.trim()
        )
    })
}

#[component]
pub fn CollectPanel() -> impl IntoView {
    let session = expect_context::<Session>();
    let threshold = RwSignal::new("7000".to_string());
    let query = RwSignal::new(default_query("7000"));
    let query_edited = RwSignal::new(false);
    let to_disk = RwSignal::new(false);
    let part_mb = RwSignal::new(String::new());
    let phase = RwSignal::new(Phase::Idle);
    let error = RwSignal::new(None::<String>);
    let stop = RwSignal::new(None::<String>);
    let saved = RwSignal::new(Vec::<Saved>::new());
    let state: CollectionSignal = RwSignal::new_local(Collection::new(String::new(), 7000));
    let cancel = StoredValue::new_local(Cancel::new());

    // The query follows the threshold until the user writes their own.
    let set_threshold = move |value: String| {
        if !query_edited.get_untracked() {
            query.set(default_query(&value));
        }
        threshold.set(value);
    };

    let find = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(transport) = session.transport.get_untracked() else {
            return error.set(Some("Connect first (Server tab).".into()));
        };
        let limit = match parse_threshold(&threshold.get_untracked()) {
            Ok(limit) => limit,
            Err(words) => return error.set(Some(words)),
        };
        let text = query.get_untracked();
        if text.trim().is_empty() {
            return error.set(Some(
                "Enter a query, e.g. max_score:>=7000 (or * for every submission).".into(),
            ));
        }
        error.set(None);
        stop.set(None);
        saved.set(Vec::new());
        state.set(Collection::new(text.trim().to_string(), limit));
        let run = Cancel::new();
        cancel.set_value(run.clone());
        phase.set(Phase::Finding);
        focus::focus_soon(PROGRESS);
        spawn_local(async move {
            collection::find(transport, state, stop, run).await;
            phase.set(Phase::Found);
            focus::return_focus("#collect-find", PROGRESS);
            to_disk.set(
                save::can_pick_file() && state.with_untracked(|c| c.totals().bytes) > LARGE_BYTES,
            );
        });
    };

    let download = move || {
        let Some(transport) = session.transport.get_untracked() else {
            return error.set(Some("Connect first (Server tab).".into()));
        };
        let run = Cancel::new();
        cancel.set_value(run.clone());
        stop.set(None);
        let part_bytes = match parse_part_size(&part_mb.get_untracked()) {
            Ok(bytes) => bytes,
            Err(e) => return error.set(Some(e)),
        };
        error.set(None);
        let info = RunInfo {
            server: transport.server.origin(),
            user: transport.user().to_string(),
            started: crate::web::now_iso(),
            part: saved.with_untracked(Vec::len) + 1,
            modified: crate::web::local_time(),
            part_bytes,
        };
        let pick = to_disk.get_untracked();
        phase.set(Phase::Downloading);
        spawn_local(async move {
            // The picker must open first, while the click still counts as a user gesture.
            let sink = if pick {
                match save::pick_file(&info.file_name(info.part)).await {
                    Ok(Some(sink)) => sink,
                    Ok(None) => return phase.set(Phase::Found),
                    Err(e) => {
                        error.set(Some(format!("Could not open the file to save to: {e}")));
                        return phase.set(Phase::Found);
                    }
                }
            } else {
                ZipSink::for_download(&info.file_name(info.part)).await
            };
            download::download(transport, state, stop, run, sink, info, saved).await;
            phase.set(Phase::Done);
        });
    };

    let retry = move |_| {
        state.update(|c| c.retry_failed());
        // Failed trees go back to scanning first; new files join the next zip.
        if state.with_untracked(|c| c.totals().trees_queued) > 0 {
            if let Some(transport) = session.transport.get_untracked() {
                let run = Cancel::new();
                cancel.set_value(run.clone());
                stop.set(None);
                phase.set(Phase::Finding);
                spawn_local(async move {
                    collection::find(transport, state, stop, run).await;
                    phase.set(Phase::Found);
                });
                return;
            }
        }
        download();
    };

    let busy = move || matches!(phase.get(), Phase::Finding | Phase::Downloading);
    let cancel_run = move |_| {
        stop.set(Some(
            "Cancelled. What was found or downloaded so far is kept; Retry failed picks up the rest.".into(),
        ));
        cancel.with_value(Cancel::cancel);
    };
    let has_failures = move || state.with(|c| !c.failures().is_empty());
    let part_placeholder = if scratch::available() {
        "one zip"
    } else {
        "400"
    };
    view! {
        <form class="query" on:submit=find novalidate>
            <label for="collect-query">"Query"</label>
            <input id="collect-query" type="text" prop:value=move || query.get()
                on:input=move |ev| { query_edited.set(true); query.set(event_target_value(&ev)); } />
            <label for="threshold">"Score threshold"</label>
            <span class="threshold">
                <input id="threshold" type="text" inputmode="numeric" prop:value=move || threshold.get()
                    on:input=move |ev| set_threshold(event_target_value(&ev)) />
                {[1000, 2000, 7000].map(|preset| view! {
                    <button type="button" class="preset" aria-label=format!("Threshold {preset}")
                        on:click=move |_| set_threshold(preset.to_string())>{preset}</button>
                })}
            </span>
            <div class="buttons">
                <button type="submit" id="collect-find" disabled=busy>"Find files"</button>
                <button type="button" disabled=move || !busy() on:click=cancel_run>"Cancel"</button>
            </div>
        </form>
        <ErrorLine message=error />
        <ErrorLine message=stop />
        <progress::Progress state=state phase=phase saved=saved />
        <Show when=move || matches!(phase.get(), Phase::Found | Phase::Done)>
            <div class="buttons download">
                <button type="button" class="primary" disabled=move || state.with(|c| c.candidates().is_empty()) || phase.get() == Phase::Done
                    on:click=move |_| download()>"Download zip"</button>
                <Show when=has_failures>
                    <button type="button" on:click=retry>"Retry failed"</button>
                </Show>
                <Show when=save::can_pick_file>
                    <label class="check"><input type="checkbox" bind:checked=to_disk />
                        "Save straight to a file on disk (recommended above 1 GB)"</label>
                </Show>
                <Show when=move || !to_disk.get()>
                    <label for="part-mb">"Zip part size (MB)"</label>
                    <input id="part-mb" class="part-mb" type="text" inputmode="numeric" bind:value=part_mb
                        placeholder=part_placeholder
                        title="Each zip is saved, and the next part begun, before it passes this size. Empty: one zip." />
                </Show>
            </div>
        </Show>
        <Show when=move || { phase.get() == Phase::Found && !scratch::available() && state.with(|c| c.totals().bytes) > MEMORY_PART_BYTES }>
            <p class="warning">{format!(
                "These files add up to more than {mb} MB. This browser cannot write a zip to disk as it goes, \
                 so it keeps each zip in memory, where a big one is dropped: they will come as several zips \
                 of at most {mb} MB (-part2, -part3, …). Chrome, Edge or Firefox over https give one zip.",
                mb = MEMORY_PART_BYTES / 1_000_000
            )}</p>
        </Show>
        <table::FileTable state=state />
    }
}
