//! Drives a collection: the thin async loop around `core::collect::Collection`. Finding
//! streams search pages into the state while workers fetch trees (downloading is in
//! `download.rs`). Progress on screen is a read of the state, so it cannot drift from what
//! really happened.

use futures::channel::mpsc;
use futures::StreamExt;
use leptos::prelude::*;

use crate::core::api::SubmissionTree;
use crate::core::collect::Collection;
use crate::core::error::ApiError;
use crate::web::http::{Cancel, Transport};
use crate::web::search::each_submission;

pub type CollectionSignal = RwSignal<Collection, LocalStorage>;

/// A stop that concerns the whole run (daily quota, revoked key, bad query): the message to
/// show. Everything already found or downloaded stays.
pub type Stop = RwSignal<Option<String>>;

pub(super) fn halt(stop: Stop, cancel: &Cancel, error: &ApiError) {
    if stop.get_untracked().is_none() {
        stop.set(Some(error.to_string()));
    }
    cancel.cancel();
}

/// Stops the run when `error` ends it, and says why one item failed: an item cut off by the
/// stop (or by Cancel) is named by the stop's reason, so Retry failed knows it is not its own.
pub(super) fn settle_failure(
    stop: Stop,
    cancel: &Cancel,
    error: &ApiError,
    not_done: &str,
) -> String {
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
