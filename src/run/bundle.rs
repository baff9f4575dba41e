//! The zip writer of a collection: verified cARTs arrive from the download workers and are
//! added one at a time. Where the byte worker runs, it writes the zip and this only orders it
//! (each file's bytes already wait in the worker); else the zip is written here, a few MB
//! between turns given to the browser. It runs beside the downloads, so no call ever waits for
//! zip writing to start. A zip is closed and saved before it passes the part limit
//! (`part_limit`: the user's part size, and for a zip kept in memory the size Chromium drops);
//! the rest continues in `-partN`. A zip that cannot be saved hands its files back as failed.

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};

use super::board::{Board, Saved};
use crate::core::bundle::{
    manifest_entry_names, memory_pause_ms, part_limit, readme_text, zip_file_name, BundleWriter,
    Keeper, Manifest, ManifestNotes, ZipTime,
};
use crate::web::frame::Shared;
use crate::web::worker::{ByteWorker, HeldDownload};
use crate::web::zip_sink::ZipSink;
use crate::worker::protocol::{Order, Report};

/// Bytes written into the zip between turns given to the browser (zip written here).
const YIELD_EVERY: usize = 8 << 20;

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

/// A downloaded cART that verified, waiting for its place in the zip.
pub struct Verified {
    pub sha256: String,
    pub cart_size: u64,
    /// The download was the cART Assemblyline stores (a file that is itself a cART).
    pub stored_as_cart: bool,
    pub body: Body,
}

/// Where a verified cART's bytes wait.
pub enum Body {
    /// On this thread, as the chunks read.
    Chunks(Vec<Uint8Array>),
    /// In the byte worker (dropped there if this is dropped).
    InWorker(HeldDownload),
}

/// What writes one zip.
enum Writer {
    Here {
        // Boxed: the zip writer's state is large beside the worker's handle.
        bundle: Box<BundleWriter<ZipSink>>,
        sink: ZipSink,
    },
    Worker {
        worker: ByteWorker,
        /// The worker's name for this zip.
        zip: u32,
        keeper: Keeper,
        /// The zip's size after the last file added.
        bytes: u64,
    },
}

/// One zip being written.
struct Part {
    number: usize,
    writer: Writer,
    added: Vec<String>,
}

impl Part {
    fn new(number: usize, sink: ZipSink, info: &RunInfo) -> Part {
        let writer = match sink.worker() {
            Some((worker, keeper, picked)) => {
                // The worker opens it before any later order; a failure comes back with the
                // first file added.
                let zip = worker.new_id();
                let open = Order::Open {
                    zip,
                    keeper,
                    file_name: info.file_name(number),
                    modified: info.modified,
                };
                worker.tell(&open, &picked.unwrap_or(JsValue::NULL), None);
                Writer::Worker {
                    worker,
                    zip,
                    keeper,
                    bytes: 0,
                }
            }
            None => Writer::Here {
                bundle: Box::new(BundleWriter::new(sink.clone(), info.modified)),
                sink,
            },
        };
        Part {
            number,
            writer,
            added: Vec::new(),
        }
    }

    fn keeper(&self) -> Keeper {
        match &self.writer {
            Writer::Here { sink, .. } => sink.keeper(),
            Writer::Worker { keeper, .. } => *keeper,
        }
    }

    /// True when a `next`-byte cART should go into a new zip (see `BundleWriter::is_full_for`).
    fn is_full_for(&self, next: u64, limit: u64) -> bool {
        match &self.writer {
            Writer::Here { bundle, .. } => bundle.is_full_for(next, limit),
            Writer::Worker { bytes, .. } => {
                !self.added.is_empty() && bytes.saturating_add(next) > limit
            }
        }
    }

    fn bytes_written(&self) -> u64 {
        match &self.writer {
            Writer::Here { sink, .. } => sink.bytes_written(),
            Writer::Worker { bytes, .. } => *bytes,
        }
    }

    async fn add(&mut self, file: Verified) -> Result<(), String> {
        match (&mut self.writer, file.body) {
            (Writer::Here { bundle, sink }, Body::Chunks(chunks)) => {
                let written = write_entry(bundle, &file.sha256, file.cart_size, &chunks).await;
                let settled = sink.settle().await;
                written.and(settled)
            }
            (
                Writer::Worker {
                    worker, zip, bytes, ..
                },
                Body::InWorker(held),
            ) => {
                let id = worker.new_id();
                let add = Order::Add {
                    id,
                    zip: *zip,
                    job: held.take(),
                };
                match worker.ask(&add, id, &JsValue::NULL).await? {
                    (Report::Done { result, .. }, _) => {
                        *bytes = result?;
                        Ok(())
                    }
                    (other, _) => Err(format!("the byte worker answered {other:?}")),
                }
            }
            _ => Err("the file was verified in one place and zipped in another".into()),
        }
    }

    /// Finishes the zip with `manifest` and saves it as `file_name`; its size.
    async fn close(
        self,
        manifest: &Manifest,
        notes: &ManifestNotes,
        file_name: &str,
    ) -> Result<u64, String> {
        let entries = rendered(manifest, notes).await;
        match self.writer {
            Writer::Here { bundle, sink } => {
                (*bundle).finish_with(&entries).map_err(|e| e.to_string())?;
                sink.close(file_name).await?;
                Ok(sink.bytes_written())
            }
            Writer::Worker { worker, zip, .. } => {
                let id = worker.new_id();
                let close = Order::Close {
                    id,
                    zip,
                    entries: entries.to_vec(),
                };
                match worker.ask(&close, id, &JsValue::NULL).await? {
                    (Report::Done { result, .. }, zip) => {
                        let bytes = result?;
                        if let Ok(blob) = zip.dyn_into::<web_sys::Blob>() {
                            crate::web::save::save_blob(&blob, file_name)?;
                        }
                        Ok(bytes)
                    }
                    (other, _) => Err(format!("the byte worker answered {other:?}")),
                }
            }
        }
    }
}

pub struct Bundler {
    board: Shared<Board>,
    info: RunInfo,
    part: Part,
    /// Set once writing failed: later files are handed back as failed, not written.
    broken: Option<String>,
}

impl Bundler {
    pub fn new(board: Shared<Board>, sink: ZipSink, info: RunInfo) -> Bundler {
        Bundler {
            part: Part::new(info.part, sink, &info),
            board,
            info,
            broken: None,
        }
    }

    /// Writes one verified cART, first closing the current zip if the file would take it
    /// past its part limit. Returns the words of a failure that ends the run.
    pub async fn add(&mut self, file: Verified) -> Result<(), String> {
        if let Some(reason) = self.broken.clone() {
            self.board.update(|b| {
                b.collection
                    .download_failed(&file.sha256, format!("not added: {reason}"), false)
            });
            return Ok(());
        }
        let keeper = self.part.keeper();
        let full = part_limit(self.info.part_bytes, keeper)
            .is_some_and(|limit| self.part.is_full_for(file.cart_size, limit));
        if full {
            self.next_part(keeper).await;
        }
        let (sha256, cart_size) = (file.sha256.clone(), file.cart_size);
        match self.part.add(file).await {
            Ok(()) => {
                self.part.added.push(sha256.clone());
                self.board
                    .update(|b| b.collection.download_verified(&sha256, cart_size));
                Ok(())
            }
            Err(e) => {
                self.board
                    .update(|b| b.collection.download_failed(&sha256, e.clone(), false));
                self.broken = Some(e.clone());
                Err(format!("Writing the zip failed: {e}"))
            }
        }
    }

    async fn next_part(&mut self, keeper: Keeper) {
        let number = self.part.number + 1;
        let sink = match (&self.part.writer, keeper) {
            (Writer::Worker { worker, .. }, _) => ZipSink::in_worker(worker.clone(), keeper, None),
            (Writer::Here { .. }, Keeper::Memory) => ZipSink::in_memory(),
            (Writer::Here { .. }, _) => {
                ZipSink::here_for_download(&self.info.file_name(number)).await
            }
        };
        let closed = std::mem::replace(&mut self.part, Part::new(number, sink, &self.info));
        let saved_bytes = closed.bytes_written();
        Bundler::save_part(&self.board, &self.info, closed, false).await;
        if keeper == Keeper::Memory {
            // Chromium must free the saved Blob before the next one grows (`memory_pause_ms`).
            gloo_timers::future::TimeoutFuture::new(memory_pause_ms(saved_bytes)).await;
        }
    }

    /// Closes and saves the last zip.
    pub async fn finish(self) {
        Bundler::save_part(&self.board, &self.info, self.part, true).await;
    }

    /// Finishes a zip with its manifest and saves it; if that fails, its files count as
    /// failed again (Retry failed fetches them) and the page says why. A zip closed before the
    /// `last` lists only the failures settled so far: queued files go in a later zip.
    async fn save_part(board: &Shared<Board>, info: &RunInfo, part: Part, last: bool) {
        let file_name = info.file_name(part.number);
        let (manifest, notes) = board.with(|b| {
            let c = &b.collection;
            let mut m = c.manifest(
                &info.server,
                &info.user,
                &info.started,
                &crate::web::now_iso(),
            );
            // Each zip lists the files it holds; failures are the run's, as known now.
            let added: std::collections::HashSet<&String> = part.added.iter().collect();
            m.files.retain(|f| added.contains(&f.sha256));
            if !last {
                m.failures = c.settled_failures();
            }
            (m, c.manifest_notes())
        });
        let failures = manifest.failures.len();
        let added = part.added.clone();
        match part.close(&manifest, &notes, &file_name).await {
            Ok(bytes) => board.update(|b| {
                b.saved.push(Saved {
                    file_name,
                    files: added.len(),
                    failures,
                    bytes,
                })
            }),
            Err(e) => board.update(|b| {
                let reason = format!("the zip holding it could not be saved: {e}");
                b.collection.zip_lost(&added, &reason);
                b.stop
                    .get_or_insert_with(|| format!("{file_name} could not be written: {e}"));
            }),
        }
    }
}

/// The manifest entries (`manifest_entries`), one per turn of the browser: for thousands of
/// files each is a task of its own, not one long task that freezes the page at the end.
async fn rendered(manifest: &Manifest, notes: &ManifestNotes) -> [(String, String); 3] {
    let [json, csv, readme] = manifest_entry_names();
    crate::web::frame::next_turn().await;
    let json = (json, manifest.to_json_with(notes));
    crate::web::frame::next_turn().await;
    let csv = (csv, manifest.to_csv_with(notes));
    crate::web::frame::next_turn().await;
    [json, csv, (readme, readme_text(manifest))]
}

/// Copies the chunks into the zip a few MB at a time, giving the browser a turn between, so
/// a 100 MB file does not freeze the page.
async fn write_entry(
    bundle: &mut BundleWriter<ZipSink>,
    sha256: &str,
    cart_size: u64,
    chunks: &[Uint8Array],
) -> Result<(), String> {
    bundle
        .begin_cart(sha256, cart_size)
        .map_err(|e| e.to_string())?;
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
