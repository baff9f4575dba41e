//! Downloads a collection into zips: each cART streams through the verifier, and only a
//! verified one enters the zip. Entries are written a few MB at a time with the browser given
//! a turn in between, under a lock so parallel downloads never interleave inside the zip. A
//! zip is closed and saved before it passes the part limit (`part_limit`: the user's part
//! size, and for a zip kept in memory the size Chromium drops); the rest continues in
//! `-partN`. A zip that cannot be saved hands its files back as failed.

use std::cell::RefCell;

use async_lock::Mutex;
use js_sys::Uint8Array;
use leptos::prelude::*;

use crate::core::bundle::{
    memory_pause_ms, part_limit, zip_file_name, BundleWriter, Keeper, ZipTime,
};
use crate::core::cart::CartVerifier;
use crate::core::collect::DownloadJob;
use crate::core::error::ApiError;
use crate::web::collection::{settle_failure, CollectionSignal, Stop};
use crate::web::http::{Cancel, Transport};
use crate::web::zip_sink::ZipSink;

/// Bytes written into the zip between turns given to the browser.
const YIELD_EVERY: usize = 8 << 20;

/// What a saved zip holds, for the status line.
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
    /// Number of this pass's first zip (2 after one zip was saved, for Retry failed).
    pub part: usize,
    /// Stamped on every entry and in the zip names.
    pub modified: ZipTime,
    /// The user's zip part size; None for one zip where the browser allows it.
    pub part_bytes: Option<u64>,
}

impl RunInfo {
    pub fn file_name(&self, part: usize) -> String {
        zip_file_name(self.modified, part)
    }
}

/// One zip being written.
struct Part {
    number: usize,
    bundle: BundleWriter<ZipSink>,
    sink: ZipSink,
    added: Vec<String>,
}

impl Part {
    fn new(number: usize, sink: ZipSink, info: &RunInfo) -> Part {
        Part {
            number,
            bundle: BundleWriter::new(sink.clone(), info.modified),
            sink,
            added: Vec::new(),
        }
    }
}

/// Downloads every queued file into zips, the first written to `sink`, and saves each one
/// into `saved` as it is finished. A zip is saved even when the run stops early: its manifest
/// lists what is missing and why.
pub async fn download(
    transport: Transport,
    state: CollectionSignal,
    stop: Stop,
    cancel: Cancel,
    sink: ZipSink,
    info: RunInfo,
    saved: RwSignal<Vec<Saved>>,
) {
    state.update(|c| c.start_download());
    // Once per run, beside the download: earlier runs' scratch zips, long downloaded, go.
    wasm_bindgen_futures::spawn_local(crate::web::scratch::sweep());
    let part = Mutex::new(Part::new(info.part, sink, &info));
    let run = Run {
        transport: &transport,
        state,
        stop,
        cancel: &cancel,
        info: &info,
        saved,
    };
    let workers = (0..transport.parallelism()).map(|_| run.worker(&part));
    futures::future::join_all(workers).await;
    run.save(part.into_inner(), true).await;
}

struct Run<'a> {
    transport: &'a Transport,
    state: CollectionSignal,
    stop: Stop,
    cancel: &'a Cancel,
    info: &'a RunInfo,
    saved: RwSignal<Vec<Saved>>,
}

impl Run<'_> {
    async fn worker(&self, part: &Mutex<Part>) {
        while !self.cancel.is_cancelled() {
            let Some(job) = self.state.try_update(|c| c.next_download()).flatten() else {
                return;
            };
            match fetch_verified(self.transport, self.cancel, &job).await {
                Ok((cart_size, chunks)) => self.add(part, &job.sha256, cart_size, chunks).await,
                Err(Failure::Api(error)) => {
                    let reason = settle_failure(self.stop, self.cancel, &error, "not downloaded");
                    self.state
                        .update(|c| c.download_failed(&job.sha256, reason, false));
                }
                Err(Failure::Cart(reason)) => self.state.update(|c| {
                    c.download_failed(
                        &job.sha256,
                        format!("the cART did not verify: {reason}"),
                        true,
                    )
                }),
            }
        }
    }

    /// Writes one verified cART into the current zip, first closing that zip if the file
    /// would take it past its part limit.
    async fn add(&self, part: &Mutex<Part>, sha256: &str, size: u64, chunks: Vec<Uint8Array>) {
        let mut current = part.lock().await;
        let keeper = current.sink.keeper();
        let full = part_limit(self.info.part_bytes, keeper)
            .is_some_and(|limit| current.bundle.is_full_for(size, limit));
        if full {
            let number = current.number + 1;
            let sink = match keeper {
                Keeper::Memory => ZipSink::in_memory(),
                _ => ZipSink::for_download(&self.info.file_name(number)).await,
            };
            let closed = std::mem::replace(&mut *current, Part::new(number, sink, self.info));
            let saved_bytes = closed.sink.bytes_written();
            self.save(closed, false).await;
            if keeper == Keeper::Memory {
                // Chromium must free the saved Blob before the next one grows (`memory_pause_ms`).
                gloo_timers::future::TimeoutFuture::new(memory_pause_ms(saved_bytes)).await;
            }
        }
        let written = write_entry(&mut current.bundle, sha256, size, chunks).await;
        match written {
            Ok(()) => {
                current.added.push(sha256.to_string());
                self.state.update(|c| c.download_verified(sha256, size));
            }
            Err(e) => {
                self.state
                    .update(|c| c.download_failed(sha256, e.clone(), false));
                self.stop.set(Some(format!("Writing the zip failed: {e}")));
                self.cancel.cancel();
            }
        }
        if let Err(e) = current.sink.settle().await {
            self.stop.set(Some(e));
            self.cancel.cancel();
        }
    }

    /// Finishes a zip with its manifest and saves it; if that fails, its files count as
    /// failed again (Retry failed fetches them) and the page says why. A zip closed before the
    /// `last` lists only the failures settled so far: queued files go in a later zip.
    async fn save(&self, part: Part, last: bool) {
        let file_name = self.info.file_name(part.number);
        let manifest = self.state.with_untracked(|c| {
            let mut m = c.manifest(
                &self.info.server,
                &self.info.user,
                &self.info.started,
                &crate::web::now_iso(),
            );
            // Each zip lists the files it holds; failures are the run's, as known now.
            m.files.retain(|f| part.added.contains(&f.sha256));
            if !last {
                m.failures = c.settled_failures();
            }
            m
        });
        let failures = manifest.failures.len();
        let closed = match part.bundle.finish(&manifest) {
            Ok(_) => part.sink.close(&file_name).await,
            Err(e) => Err(e.to_string()),
        };
        match closed {
            Ok(()) => self.saved.update(|all| {
                all.push(Saved {
                    file_name,
                    files: part.added.len(),
                    failures,
                    bytes: part.sink.bytes_written(),
                })
            }),
            Err(e) => {
                let reason = format!("the zip holding it could not be saved: {e}");
                self.state.update(|c| c.zip_lost(&part.added, &reason));
                if self.stop.get_untracked().is_none() {
                    self.stop
                        .set(Some(format!("{file_name} could not be written: {e}")));
                }
            }
        }
    }
}

/// Copies the chunks into the zip a few MB at a time, giving the browser a turn between, so
/// a 100 MB file does not freeze the page.
async fn write_entry(
    bundle: &mut BundleWriter<ZipSink>,
    sha256: &str,
    size: u64,
    chunks: Vec<Uint8Array>,
) -> Result<(), String> {
    bundle.begin_cart(sha256, size).map_err(|e| e.to_string())?;
    let mut since_yield = 0usize;
    for chunk in chunks {
        let bytes = chunk.to_vec();
        bundle.write_cart(&bytes).map_err(|e| e.to_string())?;
        since_yield += bytes.len();
        if since_yield >= YIELD_EVERY {
            since_yield = 0;
            gloo_timers::future::TimeoutFuture::new(0).await;
        }
    }
    bundle.end_cart().map_err(|e| e.to_string())
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
