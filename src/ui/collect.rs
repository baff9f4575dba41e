//! The Collect tab: find the files scoring ≥ a threshold, preview them, bundle them as cART —
//! in two steps (Find files, then Download zip) or in one (Collect zip).

mod failures;
mod guard;
mod incremental;
mod live;
mod notes;
mod progress;
mod table;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Connection, ErrorLine};
use crate::core::bundle::{parse_part_size, MEMORY_PART_BYTES};
use crate::core::collect::previous::{with_since, PreviousRun, Since};
use crate::core::collect::Collection;
use crate::core::download_origin::{downloads_may_be_blocked, BLOCKED_DOWNLOADS_WARNING};
use crate::core::units::parse_gigabytes;
use crate::run::board::{Board, Phase};
use crate::run::bundle::RunInfo;
use crate::run::collect::{self, Control, Pass};
use crate::web::focus;
use crate::web::frame::Shared;
use crate::web::scratch;
use crate::web::zip_sink::ZipSink;

pub(crate) use live::LiveBoard;

/// Where focus waits while a pass runs (its button disables itself): the progress lines.
const PROGRESS: &str = "#panel-collect .progress";

/// Above this, saving straight to disk is suggested (Chrome keeps big Blobs in memory).
const LARGE_BYTES: u64 = 1 << 30;

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

/// The shortest time between two redraws while a collection runs. Each redraw lays out the
/// preview and the progress again, time in which finished calls wait for the page's thread;
/// four a second still shows the run moving, and its start and end draw at once.
const BOARD_GAP_MS: f64 = 250.0;

#[component]
pub fn CollectPanel() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let threshold = RwSignal::new("7000".to_string());
    let query = RwSignal::new(default_query("7000"));
    let query_edited = RwSignal::new(false);
    let to_disk = RwSignal::new(false);
    // Where each pass's zips went, from the first zip it saved (an index in `Board::saved`):
    // to a file the user picked (really on disk), or to the browser as downloads (which it
    // may still refuse). Retry failed may go another way than the pass before it.
    let zip_targets = RwSignal::new(Vec::<progress::ZipTarget>::new());
    let part_mb = RwSignal::new(String::new());
    let guard_gb = RwSignal::new("5".to_string());
    let error = RwSignal::new(None::<String>);
    let live = LiveBoard::new(Shared::with_gap(
        Board::new(Collection::new(String::new(), 7000)),
        BOARD_GAP_MS,
    ));
    let control = StoredValue::new_local(Control::new());

    let previous = RwSignal::new(None::<PreviousRun>);
    let since = RwSignal::new(Since::AnyTime);
    let since_clause =
        move || previous.with_untracked(|p| since.get_untracked().clause(p.as_ref()));
    // The query follows the threshold until the user writes their own; the Since clause is
    // always the query's last part, so the box shows what is searched.
    let set_threshold = move |value: String| {
        if !query_edited.get_untracked() {
            query.set(with_since(
                &default_query(&value),
                since_clause().as_deref(),
            ));
        }
        threshold.set(value);
    };
    let set_since = move |choice: Since| {
        since.set(choice);
        let clause = since_clause();
        query.update(|q| *q = with_since(q, clause.as_deref()));
    };

    // Starts `pass`; a fresh collection for Find files and Collect zip. Checks every input
    // first, so a typo never discards what was already found.
    let start = move |pass: Pass| {
        let Some(transport) = connection.transport.get_untracked() else {
            return error.set(Some("Connect first (Server tab).".into()));
        };
        let fresh = matches!(pass, Pass::Find | Pass::Collect { .. });
        let collection = if fresh {
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
            let mut collection = Collection::new(text.trim().to_string(), limit);
            if let Some(run) = previous.get_untracked() {
                collection.skip_collected(run.files);
            }
            Some(collection)
        } else {
            None
        };
        let pass = match pass {
            Pass::Collect { .. } => match parse_gigabytes(&guard_gb.get_untracked()) {
                Ok(guard) => Pass::Collect { guard },
                Err(words) => return error.set(Some(format!("Ask before: {words}"))),
            },
            other => other,
        };
        // Retry failed before any download only scans the failed submissions again.
        let pass = match pass {
            Pass::Retry if !live.peek(|b| b.collection.is_downloading()) => Pass::Rescan,
            other => other,
        };
        let zipping = !matches!(pass, Pass::Find | Pass::Rescan);
        let part_bytes = match parse_part_size(&part_mb.get_untracked()) {
            Ok(bytes) => bytes,
            Err(e) => return error.set(Some(e)),
        };
        error.set(None);
        let part = live.peek(|b| if fresh { 1 } else { b.saved.len() + 1 });
        let info = RunInfo {
            server: transport.server.origin(),
            user: transport.user().to_string(),
            started: crate::web::now_iso(),
            part,
            modified: crate::web::local_time(),
            part_bytes,
        };
        let run = Control::new();
        control.set_value(run.clone());
        live.update(|b| {
            if let Some(c) = collection {
                *b = Board::new(c);
            }
            b.stop = None;
            b.phase = if zipping {
                Phase::Downloading
            } else {
                Phase::Finding
            };
        });
        let pick = zipping && to_disk.get_untracked();
        if zipping {
            let first = live.peek(|b| b.saved.len());
            zip_targets.update(|t| {
                if fresh {
                    t.clear();
                }
                t.push(progress::ZipTarget {
                    first,
                    picked: pick,
                });
            });
        }
        focus::focus_soon(PROGRESS);
        let button = if zipping {
            "#collect-zip"
        } else {
            "#collect-find"
        };
        spawn_local(async move {
            let zip = if !zipping {
                None
            } else if pick {
                // The picker must open first, while the click still counts as a user gesture.
                match ZipSink::pick_file(&info.file_name(info.part)).await {
                    Ok(Some(sink)) => Some((sink, info)),
                    Ok(None) => return live.update(|b| b.phase = Phase::Found),
                    Err(e) => {
                        error.set(Some(format!("Could not open the file to save to: {e}")));
                        return live.update(|b| b.phase = Phase::Found);
                    }
                }
            } else {
                Some((
                    ZipSink::for_download(&info.file_name(info.part)).await,
                    info,
                ))
            };
            collect::run(transport, live.shared(), run, pass, zip).await;
            live.update(|b| {
                b.phase = if zipping { Phase::Done } else { Phase::Found };
            });
            live.shared().draw_now();
            focus::return_focus(button, PROGRESS);
            if !zipping {
                to_disk.set(
                    ZipSink::can_pick_file()
                        && live.peek(|b| b.collection.totals().bytes) > LARGE_BYTES,
                );
            }
        });
    };

    let phase = move || live.with(|b| b.phase);
    let busy = move || matches!(phase(), Phase::Finding | Phase::Downloading);
    let cancel_run = move |_| {
        live.update(|b| {
            b.stop_with(
                "Cancelled. What was found or downloaded so far is kept; Retry failed picks up the rest."
                    .into(),
            )
        });
        control.with_value(Control::cancel);
    };
    let has_failures = move || live.with(|b| b.collection.has_failures());
    let nothing_to_download = move || live.with(|b| b.collection.totals().files == 0);
    let stop = Signal::derive(move || live.with(|b| b.stop.clone()));
    let blocked = downloads_may_be_blocked(&crate::web::page_origin());
    let part_placeholder = if scratch::available() {
        "one zip"
    } else {
        "400"
    };
    view! {
        <form class="query" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); start(Pass::Find) } novalidate>
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
            <incremental::Incremental previous=previous since=since error=error on_since=set_since />
            <label for="guard-gb">"Ask before collecting more than (GB)"</label>
            <input id="guard-gb" class="part-mb" type="text" inputmode="decimal" bind:value=guard_gb
                title="Collect zip stops and asks before the files it downloads pass this size (unpacked). Empty: never ask." />
            <div class="buttons">
                <button type="submit" id="collect-find" disabled=busy
                    title="A dry run: scan and preview the files, download nothing">"Find files"</button>
                <button type="button" id="collect-zip" class="primary" disabled=busy
                    title="Scan and download in one go: each file downloads as soon as it qualifies"
                    on:click=move |_| start(Pass::Collect { guard: None })>"Collect zip"</button>
                <button type="button" disabled=move || !busy() on:click=cancel_run>"Cancel"</button>
            </div>
            <div class="buttons options">
                <Show when=ZipSink::can_pick_file>
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
            {blocked.then(|| view! { <p class="warning wide blocked-downloads">{BLOCKED_DOWNLOADS_WARNING}</p> })}
        </form>
        <ErrorLine message=error />
        <ErrorLine message=stop />
        <guard::GuardQuestion live=live control=control />
        <progress::Progress live=live zip_targets=zip_targets.into() blocked=blocked />
        <notes::SubmissionNotes live=live />
        <Show when=move || matches!(phase(), Phase::Found | Phase::Done)>
            <div class="buttons download">
                <button type="button" class="primary" disabled=move || nothing_to_download() || phase() == Phase::Done
                    on:click=move |_| start(Pass::Download)>"Download zip"</button>
                <Show when=has_failures>
                    <button type="button" on:click=move |_| start(Pass::Retry)>"Retry failed"</button>
                </Show>
            </div>
        </Show>
        <Show when=move || { phase() == Phase::Found && !scratch::available() && live.with(|b| b.collection.totals().bytes) > MEMORY_PART_BYTES }>
            <p class="warning">{format!(
                "These files add up to more than {mb} MB. This browser cannot write a zip to disk as it goes, \
                 so it keeps each zip in memory, where a big one is dropped: they will come as several zips \
                 of at most {mb} MB (-part2, -part3, …). Chrome, Edge or Firefox over https give one zip.",
                mb = MEMORY_PART_BYTES / 1_000_000
            )}</p>
        </Show>
        <failures::Failures live=live />
        <table::FileTable live=live />
    }
}
