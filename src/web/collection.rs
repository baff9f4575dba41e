//! Drives a collection: the thin async loop around `core::collect::Collection`. Finding
//! streams search pages into the state while workers fetch trees; downloading streams each
//! cART through the verifier, and only a verified one enters the zip. Progress on screen is a
//! read of the state, so it cannot drift from what really happened.

use std::cell::RefCell;

use futures::channel::mpsc;
use futures::future::join_all;
use futures::StreamExt;
use js_sys::Uint8Array;
use leptos::prelude::*;

use crate::core::api::SubmissionTree;
use crate::core::bundle::{BundleWriter, Manifest, ZipTime};
use crate::core::cart::CartVerifier;
use crate::core::collect::{Collection, DownloadJob};
use crate::core::error::ApiError;
use crate::web::http::{Cancel, Transport};
use crate::web::save::ZipSink;
use crate::web::search::each_submission;

pub type CollectionSignal = RwSignal<Collection, LocalStorage>;

/// A stop that concerns the whole run (daily quota, revoked key, bad query): the message to
/// show. Everything already found or downloaded stays.
pub type Stop = RwSignal<Option<String>>;

fn halt(stop: Stop, cancel: &Cancel, error: &ApiError) {
    if stop.get_untracked().is_none() {
        stop.set(Some(error.to_string()));
    }
    cancel.cancel();
}

/// Stops the run when `error` ends it, and says why one item failed: an item cut off by the
/// stop (or by Cancel) is named by the stop's reason, so Retry failed knows it is not its own.
fn settle_failure(stop: Stop, cancel: &Cancel, error: &ApiError, not_done: &str) -> String {
    if error.stops_run() {
        halt(stop, cancel, error);
    }
    match (error, stop.get_untracked()) {
        (ApiError::Aborted, Some(why)) => format!("{not_done}: {why}"),
        (ApiError::Aborted, None) => format!("{not_done}: cancelled"),
        _ => error.to_string(),
    }
}

/// Finds every matching submission and folds in each one's tree. Every search page wakes the
/// tree fetchers at once (one token per hit), so trees load while later pages are still coming.
pub async fn find(transport: Transport, state: CollectionSignal, stop: Stop, cancel: Cancel) {
    let (wake, tokens) = mpsc::unbounded::<()>();
    // Trees queued by an earlier pass (Retry failed) are fetched with the new ones.
    for _ in 0..state.with_untracked(|c| c.totals().trees_queued) {
        let _ = wake.unbounded_send(());
    }
    let query = state.with_untracked(|c| c.query().to_string());
    let search = {
        let (transport, cancel) = (transport.clone(), cancel.clone());
        // Owns `wake`: when the search ends the token stream ends, and so do the fetchers.
        async move {
            let found = each_submission(&transport, &query, None, &cancel, |hits| {
                state.update(|c| c.add_hits(hits));
                for _ in hits {
                    let _ = wake.unbounded_send(());
                }
            })
            .await;
            if let Err(error) = found {
                let words = match error {
                    ApiError::Aborted => return,
                    ApiError::BadRequest(_) => format!("The query was refused: {error}"),
                    _ => format!("The search stopped: {error}"),
                };
                stop.set(Some(words));
                cancel.cancel();
            }
        }
    };
    let trees = tokens.for_each_concurrent(transport.parallelism(), |()| {
        load_tree(&transport, state, stop, &cancel)
    });
    futures::join!(search, trees);
}

/// Fetches the next queued tree, if any: a token for a submission seen twice finds none.
async fn load_tree(transport: &Transport, state: CollectionSignal, stop: Stop, cancel: &Cancel) {
    let Some(sid) = state.try_update(|c| c.next_tree()).flatten() else {
        return;
    };
    match transport
        .json::<SubmissionTree>(transport.server.tree(&sid), cancel)
        .await
    {
        Ok(tree) => state.update(|c| c.tree_loaded(&sid, &tree)),
        Err(error) => {
            let reason = settle_failure(stop, cancel, &error, "not scanned");
            state.update(|c| c.tree_failed(&sid, reason));
        }
    }
}

/// What the saved zip holds, for the status line.
#[derive(Clone, Debug, PartialEq)]
pub struct Saved {
    pub file_name: String,
    pub files: usize,
    pub failures: usize,
    pub bytes: u64,
}

/// Who and what go in the manifest; never credentials.
#[derive(Clone, Debug)]
pub struct RunInfo {
    pub server: String,
    pub user: String,
    pub started: String,
    pub file_name: String,
    pub modified: ZipTime,
}

/// Downloads every queued file into one zip written to `sink`, then finishes and saves it.
/// A zip is saved even when stopped early: its manifest lists what is missing and why.
pub async fn download(
    transport: Transport,
    state: CollectionSignal,
    stop: Stop,
    cancel: Cancel,
    sink: ZipSink,
    info: RunInfo,
) -> Result<Saved, String> {
    state.update(|c| c.start_download());
    let bundle = RefCell::new(BundleWriter::new(sink.clone(), info.modified));
    let added = RefCell::new(Vec::<String>::new());
    let workers = (0..transport.parallelism())
        .map(|_| download_worker(&transport, state, stop, &cancel, &bundle, &sink, &added));
    join_all(workers).await;

    let added = added.into_inner();
    let manifest = state.with_untracked(|c| {
        let mut m: Manifest = c.manifest(
            &info.server,
            &info.user,
            &info.started,
            &crate::web::now_iso(),
        );
        // After "Retry failed" a second zip holds only what this pass added.
        m.files.retain(|f| added.contains(&f.sha256));
        m
    });
    let failures = manifest.failures.len();
    bundle
        .into_inner()
        .finish(&manifest)
        .map_err(|e| e.to_string())?;
    sink.close(&info.file_name).await?;
    Ok(Saved {
        file_name: info.file_name,
        files: added.len(),
        failures,
        bytes: sink.bytes_written(),
    })
}

async fn download_worker(
    transport: &Transport,
    state: CollectionSignal,
    stop: Stop,
    cancel: &Cancel,
    bundle: &RefCell<BundleWriter<ZipSink>>,
    sink: &ZipSink,
    added: &RefCell<Vec<String>>,
) {
    while !cancel.is_cancelled() {
        let Some(job) = state.try_update(|c| c.next_download()).flatten() else {
            return;
        };
        match fetch_verified(transport, cancel, &job).await {
            Ok((cart_size, chunks)) => {
                // No await between these two: entries from parallel workers never interleave.
                let written = bundle.borrow_mut().add_cart(
                    &job.sha256,
                    cart_size,
                    chunks.iter().map(Uint8Array::to_vec),
                );
                drop(chunks);
                match written {
                    Ok(()) => {
                        added.borrow_mut().push(job.sha256.clone());
                        state.update(|c| c.download_verified(&job.sha256, cart_size));
                    }
                    Err(e) => {
                        state.update(|c| c.download_failed(&job.sha256, e.to_string(), false));
                        stop.set(Some(format!("Writing the zip failed: {e}")));
                        cancel.cancel();
                    }
                }
                if let Err(e) = sink.settle().await {
                    stop.set(Some(e));
                    cancel.cancel();
                }
            }
            Err(Failure::Api(error)) => {
                let reason = settle_failure(stop, cancel, &error, "not downloaded");
                state.update(|c| c.download_failed(&job.sha256, reason, false));
            }
            Err(Failure::Cart(reason)) => state.update(|c| {
                c.download_failed(
                    &job.sha256,
                    format!("the cART did not verify: {reason}"),
                    true,
                )
            }),
        }
    }
}

enum Failure {
    Api(ApiError),
    Cart(String),
}

/// Streams one cART through the verifier, keeping its chunks as JS arrays (outside WASM
/// memory) until it is known good.
async fn fetch_verified(
    transport: &Transport,
    cancel: &Cancel,
    job: &DownloadJob,
) -> Result<(u64, Vec<Uint8Array>), Failure> {
    let fresh = || CartVerifier::new(&job.sha256).with_expected_length(job.expected_size);
    let verifier = RefCell::new(fresh());
    let chunks = RefCell::new(Vec::<Uint8Array>::new());
    let call = transport.server.download(&job.sha256, &job.name, &job.sid);
    let read = transport
        .download(
            call,
            cancel,
            || {
                *verifier.borrow_mut() = fresh();
                chunks.borrow_mut().clear();
            },
            |chunk| {
                verifier
                    .borrow_mut()
                    .update(&chunk.to_vec())
                    .map_err(|e| e.to_string())?;
                chunks.borrow_mut().push(chunk);
                Ok(())
            },
        )
        .await
        .map_err(Failure::Api)?;
    read.map_err(Failure::Cart)?;
    let report = verifier
        .into_inner()
        .finish()
        .map_err(|e| Failure::Cart(e.to_string()))?;
    Ok((report.cart_size, chunks.into_inner()))
}
