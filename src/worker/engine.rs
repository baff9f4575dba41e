//! The byte worker's work, one order at a time: each download streams through the cART
//! verifier into a store of its own (`Held`); a verified one is appended to the zip, a
//! rejected one is dropped, so nothing unverified ever reaches the zip. Kept apart from the
//! message plumbing so a test can drive it directly.

use std::collections::HashMap;

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::FileSystemDirectoryHandle;

use super::held::{Held, BLOCK};
use super::protocol::{Order, Report};
use crate::core::bundle::{BundleWriter, Keeper};
use crate::core::cart::CartVerifier;
use crate::web::zip_sink::ZipSink;

/// A report and its payload (null, or the finished zip).
pub type Reply = (Report, JsValue);

/// Bytes of a download taken before the page hears of them: one report per MiB, not one per
/// chunk, keeps the page's thread from decoding thousands of messages a second.
const TELL_EVERY: u64 = 1 << 20;

/// Files up to this size (unpacked) are held in the worker's memory while verified, not in a
/// temporary file of their own.
const SMALL_IN_MEMORY: u64 = 4 << 20;

struct Download {
    sha256: String,
    verifier: Option<CartVerifier>,
    held: Option<Held>,
    rejected: Option<String>,
    cart_size: Option<u64>,
    /// Verified as the cART Assemblyline stores (its own sha256 was the one asked for).
    stored_as_cart: bool,
    /// Bytes taken since the last `Took`.
    untold: u64,
}

impl Download {
    fn reject(&mut self, reason: String) {
        self.rejected.get_or_insert(reason);
        self.verifier = None;
        if let Some(held) = self.held.take() {
            held.remove();
        }
    }
}

struct Zip {
    bundle: BundleWriter<ZipSink>,
    sink: ZipSink,
}

pub struct Engine {
    folder: Option<FileSystemDirectoryHandle>,
    downloads: HashMap<u32, Download>,
    zips: HashMap<u32, Zip>,
    /// Why a zip could not be opened: later orders for it answer with this.
    zip_failed: HashMap<u32, String>,
}

impl Engine {
    /// Finds the worker's folder in the origin private file system, if it can have one.
    pub async fn new() -> Engine {
        Engine {
            folder: super::held::folder().await,
            downloads: HashMap::new(),
            zips: HashMap::new(),
            zip_failed: HashMap::new(),
        }
    }

    /// True when downloads and scratch zips go to the origin private file system.
    pub fn has_scratch(&self) -> bool {
        self.folder.is_some()
    }

    pub async fn handle(&mut self, order: Order, payload: JsValue) -> Option<Reply> {
        let report = match order {
            Order::Open {
                zip,
                keeper,
                file_name,
                modified,
            } => {
                let result = self.open(zip, keeper, &file_name, modified, payload).await;
                Report::Done { id: zip, result }
            }
            Order::Begin {
                job,
                sha256,
                expected_length,
            } => {
                self.begin(job, sha256, expected_length).await;
                return None;
            }
            Order::Chunk { job } => self.chunk(job, payload.unchecked_into())?,
            Order::End { job } => self.end(job),
            Order::Discard { job } => {
                if let Some(held) = self.downloads.remove(&job).and_then(|d| d.held) {
                    held.remove();
                }
                return None;
            }
            Order::Add { id, zip, job } => Report::Done {
                id,
                result: self.add(zip, job).await,
            },
            Order::Close { id, zip, entries } => {
                let (result, zip) = match self.close(zip, &entries).await {
                    Ok((bytes, zip)) => (Ok(bytes), zip.map_or(JsValue::NULL, JsValue::from)),
                    Err(e) => (Err(e), JsValue::NULL),
                };
                return Some((Report::Done { id, result }, zip));
            }
            // Calls are the worker's message handler's (`fetcher`), never queued here.
            Order::Fetch { .. } | Order::Stop { .. } => return None,
            Order::Abort { zip } => {
                if let Some(zip) = self.zips.remove(&zip) {
                    zip.sink.abort();
                }
                return None;
            }
        };
        Some((report, JsValue::NULL))
    }

    async fn open(
        &mut self,
        zip: u32,
        keeper: Keeper,
        file_name: &str,
        modified: crate::core::bundle::ZipTime,
        picked: JsValue,
    ) -> Result<u64, String> {
        let sink = match keeper {
            Keeper::Memory => Ok(ZipSink::in_memory()),
            Keeper::Scratch => ZipSink::scratch_sync(file_name).await,
            Keeper::Picked => ZipSink::open_picked(&picked).await,
        };
        match sink {
            Ok(sink) => {
                let bundle = BundleWriter::new(sink.clone(), modified);
                self.zips.insert(zip, Zip { bundle, sink });
                Ok(0)
            }
            Err(e) => {
                let words = format!("the zip could not be opened: {e}");
                self.zip_failed.insert(zip, words.clone());
                Err(words)
            }
        }
    }

    async fn begin(&mut self, job: u32, sha256: String, expected_length: u64) {
        if let Some(held) = self.downloads.remove(&job).and_then(|d| d.held) {
            held.remove();
        }
        let mut download = Download {
            // The bytes are held anyway: hashing them as they come would cost a second SHA-256
            // pass over every download for the rare stored cART.
            verifier: Some(
                CartVerifier::new(&sha256)
                    .with_expected_length(expected_length)
                    .hashing_bytes_on_demand(),
            ),
            sha256,
            held: None,
            rejected: None,
            cart_size: None,
            stored_as_cart: false,
            untold: 0,
        };
        // A temporary file costs more than a small file's bytes: those wait in memory, so the
        // memory held stays bounded by the parallel downloads times this size.
        let folder = self
            .folder
            .as_ref()
            .filter(|_| expected_length > SMALL_IN_MEMORY);
        match Held::new(folder, job).await {
            Ok(held) => download.held = Some(held),
            Err(e) => download.reject(e),
        }
        self.downloads.insert(job, download);
    }

    /// Verifies and keeps the next chunk; tells the page once a MiB is taken, or at once when
    /// the download was rejected.
    fn chunk(&mut self, job: u32, chunk: Uint8Array) -> Option<Report> {
        let mut bytes = u64::from(chunk.length());
        let rejected = match self.downloads.get_mut(&job) {
            None => Some("the worker knows no such download".to_string()),
            Some(d) => {
                d.untold += bytes;
                if d.rejected.is_none() {
                    let verified = match d.verifier.as_mut() {
                        Some(v) => v.update(&chunk.to_vec()).map_err(|e| e.to_string()),
                        None => Err("the download had already ended".into()),
                    };
                    let kept = verified.and_then(|()| match d.held.as_mut() {
                        Some(held) => held.push(&chunk),
                        None => Err("the download's bytes were already dropped".into()),
                    });
                    if let Err(reason) = kept {
                        d.reject(reason);
                    }
                }
                if d.untold < TELL_EVERY && d.rejected.is_none() {
                    return None;
                }
                bytes = std::mem::take(&mut d.untold);
                d.rejected.clone()
            }
        };
        Some(Report::Took {
            job,
            bytes,
            rejected,
            wasm_bytes: crate::web::wasm_memory_bytes(),
        })
    }

    fn end(&mut self, job: u32) -> Report {
        let Some(d) = self.downloads.get_mut(&job) else {
            return Report::Rejected {
                job,
                reason: "the worker knows no such download".into(),
            };
        };
        if d.rejected.is_none() {
            let held = d.held.as_ref().map_or(0, Held::len);
            let bytes_sha256 = || d.held.as_ref().and_then(|h| h.sha256().ok());
            match d
                .verifier
                .take()
                .map(|v| v.finish_or_hash_bytes(bytes_sha256))
            {
                Some(Ok(report)) if report.cart_size == held => {
                    d.cart_size = Some(held);
                    d.stored_as_cart = report.stored_as_cart;
                }
                Some(Ok(report)) => d.reject(format!(
                    "{} bytes verified but {held} kept",
                    report.cart_size
                )),
                Some(Err(e)) => d.reject(e.to_string()),
                None => d.reject("the download had already ended".into()),
            }
        }
        match (d.cart_size, d.rejected.clone()) {
            (Some(cart_size), None) => Report::Verified {
                job,
                cart_size,
                stored_as_cart: d.stored_as_cart,
            },
            (_, reason) => {
                self.downloads.remove(&job);
                Report::Rejected {
                    job,
                    reason: reason.unwrap_or_else(|| "not verified".into()),
                }
            }
        }
    }

    /// Appends a verified download as `<sha256>.cart`; its bytes go whatever the outcome.
    async fn add(&mut self, zip: u32, job: u32) -> Result<u64, String> {
        let download = self
            .downloads
            .remove(&job)
            .ok_or("the worker knows no such download")?;
        let (Some(cart_size), Some(held)) = (download.cart_size, download.held) else {
            return Err("the download was not verified".into());
        };
        let result = match self.zips.get_mut(&zip) {
            Some(zip) => append(zip, &download.sha256, cart_size, &held).await,
            None => Err(self.not_open(zip)),
        };
        held.remove();
        result
    }

    /// Finishes the zip: the manifests, the central directory, and the file to download.
    async fn close(
        &mut self,
        zip: u32,
        entries: &[(String, String)],
    ) -> Result<(u64, Option<web_sys::Blob>), String> {
        let zip = match self.zips.remove(&zip) {
            Some(open) => open,
            None => return Err(self.not_open(zip)),
        };
        zip.bundle.finish_with(entries).map_err(|e| e.to_string())?;
        let blob = zip.sink.finish_file().await?;
        Ok((zip.sink.bytes_written(), blob))
    }
}

impl Engine {
    fn not_open(&mut self, zip: u32) -> String {
        self.zip_failed
            .remove(&zip)
            .unwrap_or_else(|| "no zip is open".into())
    }
}

/// Copies a held download into the zip a block at a time; disk writes are settled after each
/// block so a picked file's queue stays short.
async fn append(zip: &mut Zip, sha256: &str, cart_size: u64, held: &Held) -> Result<u64, String> {
    let words = |e: crate::core::bundle::BundleError| e.to_string();
    zip.bundle.begin_cart(sha256, cart_size).map_err(words)?;
    let mut block = vec![0u8; BLOCK];
    let mut at = 0u64;
    while at < cart_size {
        let read = held.read_at(at, &mut block)?;
        zip.bundle.write_cart(&block[..read]).map_err(words)?;
        at += read as u64;
        zip.sink.settle().await?;
    }
    zip.bundle.end_cart().map_err(words)?;
    zip.sink.settle().await?;
    Ok(zip.sink.bytes_written())
}
