//! Drives a collection: one pipeline for every pass. A search task pages through the matching
//! submissions while `parallelism` workers take the next job from the state — a tree while any
//! is queued, else a download — so a file downloads as soon as it qualifies and every call
//! slot is refilled the moment its call ends. Zip writing runs beside them (`Bundler`): no
//! call waits for it, except when verified files pile up past `PENDING_BUDGET`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use event_listener::Event;
use futures::channel::mpsc;
use futures::StreamExt;

use super::board::Board;
use super::bundle::{Bundler, RunInfo, Verified};
use super::fetch::{fetch_verified, Failure};
use crate::core::api::SubmissionTree;
use crate::core::collect::{DownloadJob, Next};
use crate::core::error::ApiError;
use crate::web::frame::Shared;
use crate::web::http::{Cancel, Transport};
use crate::web::search::each_submission;
use crate::web::worker::ByteWorker;
use crate::web::zip_sink::ZipSink;

/// Verified cARTs waiting for the zip writer, in bytes, before workers pause: memory stays
/// bounded when the network outruns the writer.
const PENDING_BUDGET: u64 = 64 << 20;
/// Idle workers look again this often even without a wake-up, so none can sleep for good.
const IDLE_POLL_MS: u32 = 250;
/// Workers beyond the call limit. A worker keeps its job after the call ends — the byte
/// worker's verdict, parsing the tree, folding it in — and the transport's limit, not the
/// number of workers, caps the calls in flight: with a few spare workers the next call starts
/// the moment one ends instead of after its follow-up.
const SPARE_WORKERS: usize = 2;

/// Which pass of a collection to run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pass {
    /// Find files: search and scan trees; nothing downloads (the preview).
    Find,
    /// Collect zip: search, scan and download at once; ask before passing `guard` bytes.
    Collect { guard: Option<u64> },
    /// Download zip after a preview: the files found, best first.
    Download,
    /// Retry failed: failed trees are scanned again and failed files downloaded again.
    Retry,
    /// Retry failed before anything downloaded: failed trees are scanned again.
    Rescan,
}

/// The user's hold on a running pass: cancel it, or wake it after answering the size guard.
#[derive(Clone)]
pub struct Control {
    cancel: Cancel,
    wake: Rc<Event>,
}

impl Control {
    pub fn new() -> Control {
        Control {
            cancel: Cancel::new(),
            wake: Rc::new(Event::new()),
        }
    }

    pub fn cancel(&self) {
        self.cancel.cancel();
        self.wake();
    }

    /// Something changed that may give idle workers a job.
    pub fn wake(&self) {
        self.wake.notify(usize::MAX);
    }
}

impl Default for Control {
    fn default() -> Self {
        Control::new()
    }
}

/// Runs one pass to its end. A zip (when `zip` is given) is saved even when the run stops
/// early: its manifest lists what is missing and why.
pub async fn run(
    transport: Transport,
    board: Shared<Board>,
    control: Control,
    pass: Pass,
    zip: Option<(ZipSink, RunInfo)>,
) {
    let search = matches!(pass, Pass::Find | Pass::Collect { .. });
    board.update(|b| {
        let c = &mut b.collection;
        match pass {
            Pass::Find => {}
            Pass::Collect { guard } => c.collect_as_found(guard),
            Pass::Download => c.start_download(),
            Pass::Retry => {
                c.retry_failed();
                c.collect_as_found(None);
            }
            Pass::Rescan => c.retry_failed(),
        }
        b.searching = search;
        b.started_ms = crate::web::now_ms();
    });
    // The pass shows as set up (failures queued again, the search on) at once, not at the
    // board's next redraw.
    board.draw_now();
    if zip.is_some() {
        // Earlier runs' scratch zips, long downloaded, go.
        wasm_bindgen_futures::spawn_local(crate::web::scratch::sweep());
    }
    let (to_zip, verified) = mpsc::unbounded::<Verified>();
    let pipe = Pipeline {
        transport: &transport,
        worker: zip
            .as_ref()
            .and_then(|(sink, _)| sink.worker())
            .map(|w| w.0),
        board: &board,
        control: &control,
        to_zip: RefCell::new(Some(to_zip)),
        pending: Cell::new(0),
        drained: Event::new(),
    };
    let searching = async {
        if search {
            pipe.search().await;
        }
        board.update(|b| b.searching = false);
        control.wake();
    };
    let working = async {
        let workers = (0..transport.parallelism() + SPARE_WORKERS).map(|_| pipe.worker());
        futures::future::join_all(workers).await;
        if control.cancel.is_cancelled() {
            board.update(|b| {
                let why = b.stop.clone().unwrap_or_else(|| "cancelled".into());
                b.collection.abandon(&why);
            });
        }
        // The zip writer ends once it has written what is left.
        pipe.to_zip.borrow_mut().take();
    };
    let zipping = async {
        let Some((sink, info)) = zip else {
            return;
        };
        let mut bundler = Bundler::new(board.clone(), sink, info);
        let mut verified = verified;
        while let Some(file) = verified.next().await {
            let size = file.cart_size;
            if let Err(words) = bundler.add(file).await {
                board.update(|b| b.stop_with(words));
                control.cancel();
            }
            pipe.pending.set(pipe.pending.get().saturating_sub(size));
            pipe.drained.notify(usize::MAX);
            control.wake();
        }
        bundler.finish().await;
    };
    futures::join!(searching, working, zipping);
}

struct Pipeline<'a> {
    transport: &'a Transport,
    /// Verifies and keeps downloads when the zip is written by the byte worker.
    worker: Option<ByteWorker>,
    board: &'a Shared<Board>,
    control: &'a Control,
    to_zip: RefCell<Option<mpsc::UnboundedSender<Verified>>>,
    /// Bytes handed to the zip writer and not yet written.
    pending: Cell<u64>,
    drained: Event,
}

impl Pipeline<'_> {
    fn cancel(&self) -> &Cancel {
        &self.control.cancel
    }

    /// Pages through the matching submissions, queueing their trees as each page lands.
    async fn search(&self) {
        let query = self.board.with(|b| b.collection.query().to_string());
        let found = each_submission(self.transport, &query, None, self.cancel(), |hits| {
            self.board.update(|b| b.collection.add_hits(hits));
            self.control.wake();
        })
        .await;
        if let Err(error) = found {
            let words = match error {
                ApiError::Aborted => return,
                ApiError::BadRequest(_) => format!("The query was refused: {error}"),
                _ => format!("The search stopped: {error}"),
            };
            self.board.update(|b| b.stop_with(words));
            self.control.cancel();
        }
    }

    async fn worker(&self) {
        while !self.cancel().is_cancelled() {
            let listener = self.control.wake.listen();
            let next = self.board.update(|b| b.collection.next_job());
            match next {
                Next::Tree(sid) => self.load_tree(sid).await,
                Next::Download(job) => self.download(job).await,
                Next::Wait if self.nothing_more_can_come() => return,
                Next::Wait => {
                    let poll = gloo_timers::future::TimeoutFuture::new(IDLE_POLL_MS);
                    futures::future::select(listener, poll).await;
                }
            }
        }
    }

    /// No job now and none can appear: the search is over and nothing is queued or under way
    /// (a file held back by the size guard waits for the user's answer).
    fn nothing_more_can_come(&self) -> bool {
        self.board.with(|b| {
            let c = &b.collection;
            let (t, p) = (c.totals(), c.progress());
            !b.searching
                && t.trees_queued == 0
                && t.trees_in_flight == 0
                && p.queued == 0
                && p.in_flight == 0
        })
    }

    async fn load_tree(&self, sid: String) {
        let call = self.transport.server.tree(&sid);
        let tree = self
            .transport
            .json::<SubmissionTree>(call, self.cancel())
            .await
            // The search returned this sid: a 404 now means it was deleted since.
            .map_err(ApiError::for_found_submission);
        match tree {
            Ok(tree) => self.board.update(|b| b.collection.tree_loaded(&sid, &tree)),
            Err(ApiError::DeletedSinceFound(_)) => {
                self.board.update(|b| b.collection.tree_gone(&sid))
            }
            Err(error) => {
                let reason = self.settle_failure(&error, "not scanned");
                self.board
                    .update(|b| b.collection.tree_failed(&sid, reason));
            }
        }
        self.control.wake();
    }

    async fn download(&self, job: DownloadJob) {
        let fetched = fetch_verified(self.transport, self.cancel(), &job, self.worker.as_ref());
        match fetched.await {
            Ok(verified) => {
                if verified.stored_as_cart {
                    self.board
                        .update(|b| b.collection.mark_stored_as_cart(&job.sha256));
                }
                let cart_size = verified.cart_size;
                let sent = self
                    .to_zip
                    .borrow()
                    .as_ref()
                    .map(|to_zip| to_zip.unbounded_send(verified));
                match sent {
                    Some(Ok(())) => {
                        self.pending.set(self.pending.get() + cart_size);
                        self.wait_for_writer().await;
                    }
                    _ => self.board.update(|b| {
                        b.collection.download_failed(
                            &job.sha256,
                            "not added: the zip was already closed".into(),
                            false,
                        )
                    }),
                }
            }
            Err(Failure::Api(error)) => {
                let reason = self.settle_failure(&error, "not downloaded");
                self.board
                    .update(|b| b.collection.download_failed(&job.sha256, reason, false));
            }
            Err(Failure::Cart(reason)) => self.board.update(|b| {
                b.collection.download_failed(
                    &job.sha256,
                    format!("the cART did not verify: {reason}"),
                    true,
                )
            }),
        }
        self.control.wake();
    }

    /// Back-pressure: pauses while the zip writer has more than `PENDING_BUDGET` to write.
    async fn wait_for_writer(&self) {
        while self.pending.get() > PENDING_BUDGET && !self.cancel().is_cancelled() {
            let listener = self.drained.listen();
            let poll = gloo_timers::future::TimeoutFuture::new(IDLE_POLL_MS);
            futures::future::select(listener, poll).await;
        }
    }

    /// Stops the run when `error` ends it, and says why one item failed: an item cut off by
    /// the stop (or by Cancel) is named by the stop's reason, so Retry failed knows it is not
    /// its own.
    fn settle_failure(&self, error: &ApiError, not_done: &str) -> String {
        if error.stops_run() {
            self.board.update(|b| b.stop_with(error.to_string()));
            self.control.cancel();
        }
        match (error, self.board.with(|b| b.stop.clone())) {
            (ApiError::Aborted, Some(why)) => format!("{not_done}: {why}"),
            (ApiError::Aborted, None) => format!("{not_done}: cancelled"),
            _ => error.to_string(),
        }
    }
}
