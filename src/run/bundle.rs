//! The zip writer of a collection: verified cARTs arrive from the download workers and are
//! written one at a time, a few MB between turns given to the browser. It runs beside the
//! workers, so no call ever waits for zip writing to start. A zip is closed and saved before it
//! passes the part limit (`part_limit`: the user's part size, and for a zip kept in memory the
//! size Chromium drops); the rest continues in `-partN`. A zip that cannot be saved hands its
//! files back as failed.

use js_sys::Uint8Array;

use super::board::{Board, Saved};
use crate::core::bundle::{
    memory_pause_ms, part_limit, zip_file_name, BundleWriter, Keeper, ZipTime,
};
use crate::web::frame::Shared;
use crate::web::zip_sink::ZipSink;

/// Bytes written into the zip between turns given to the browser.
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
    pub chunks: Vec<Uint8Array>,
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
        let keeper = self.part.sink.keeper();
        let full = part_limit(self.info.part_bytes, keeper)
            .is_some_and(|limit| self.part.bundle.is_full_for(file.cart_size, limit));
        if full {
            self.next_part(keeper).await;
        }
        let written = write_entry(&mut self.part.bundle, &file).await;
        let settled = self.part.sink.settle().await;
        match written.and(settled) {
            Ok(()) => {
                self.part.added.push(file.sha256.clone());
                self.board
                    .update(|b| b.collection.download_verified(&file.sha256, file.cart_size));
                Ok(())
            }
            Err(e) => {
                self.board
                    .update(|b| b.collection.download_failed(&file.sha256, e.clone(), false));
                self.broken = Some(e.clone());
                Err(format!("Writing the zip failed: {e}"))
            }
        }
    }

    async fn next_part(&mut self, keeper: Keeper) {
        let number = self.part.number + 1;
        let sink = match keeper {
            Keeper::Memory => ZipSink::in_memory(),
            _ => ZipSink::for_download(&self.info.file_name(number)).await,
        };
        let closed = std::mem::replace(&mut self.part, Part::new(number, sink, &self.info));
        let saved_bytes = closed.sink.bytes_written();
        self.save(closed, false).await;
        if keeper == Keeper::Memory {
            // Chromium must free the saved Blob before the next one grows (`memory_pause_ms`).
            gloo_timers::future::TimeoutFuture::new(memory_pause_ms(saved_bytes)).await;
        }
    }

    /// Closes and saves the last zip.
    pub async fn finish(self) {
        Bundler::save_part(&self.board, &self.info, self.part, true).await;
    }

    async fn save(&self, part: Part, last: bool) {
        Bundler::save_part(&self.board, &self.info, part, last).await;
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
        let closed = match part.bundle.finish_with(&manifest, &notes) {
            Ok(_) => part.sink.close(&file_name).await,
            Err(e) => Err(e.to_string()),
        };
        match closed {
            Ok(()) => board.update(|b| {
                b.saved.push(Saved {
                    file_name,
                    files: part.added.len(),
                    failures,
                    bytes: part.sink.bytes_written(),
                })
            }),
            Err(e) => board.update(|b| {
                let reason = format!("the zip holding it could not be saved: {e}");
                b.collection.zip_lost(&part.added, &reason);
                b.stop
                    .get_or_insert_with(|| format!("{file_name} could not be written: {e}"));
            }),
        }
    }
}

/// Copies the chunks into the zip a few MB at a time, giving the browser a turn between, so
/// a 100 MB file does not freeze the page.
async fn write_entry(bundle: &mut BundleWriter<ZipSink>, file: &Verified) -> Result<(), String> {
    bundle
        .begin_cart(&file.sha256, file.cart_size)
        .map_err(|e| e.to_string())?;
    let mut since_yield = 0usize;
    for chunk in &file.chunks {
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
