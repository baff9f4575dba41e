//! The page's side of the byte worker (`crate::worker`): started once, at the first zip,
//! from the same WebAssembly module the page runs. The page reads each download and posts its
//! chunks (their buffers transferred, not copied); the worker verifies, keeps and zips them.
//! Where it cannot start, the page says why and does the byte work itself.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use async_lock::OnceCell;
use futures::channel::{mpsc, oneshot};
use futures::StreamExt;
use js_sys::Array;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{ErrorEvent, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::web::http::Cancel;
use crate::worker::protocol::{CallFailure, Order, Report};

/// The loader Trunk copies beside the page (index.html), under this name.
const LOADER: &str = "al-byte-worker.js";
/// How long the worker may take to start before the page goes on without it.
const START_MS: u32 = 15_000;

thread_local! {
    static STARTED: Rc<OnceCell<Result<ByteWorker, String>>> = Rc::new(OnceCell::new());
    static WORKER_WASM: Cell<u64> = const { Cell::new(0) };
}

/// The page's byte worker, started on first use; the words why not where it cannot run.
pub async fn byte_worker() -> Result<ByteWorker, String> {
    let once = STARTED.with(Rc::clone);
    once.get_or_init(start).await.clone()
}

/// Where the byte work runs, in words for the page, and true when it is the page itself (the
/// fallback); None before the first zip.
pub fn status() -> Option<(String, bool)> {
    let once = STARTED.with(Rc::clone);
    once.get().map(|started| match started {
        Ok(w) if w.scratch() => (
            "Verifying and zipping in a background worker; downloads wait in the browser's \
             private storage until verified."
                .to_string(),
            false,
        ),
        Ok(_) => (
            "Verifying and zipping in a background worker; downloads wait in its memory until \
             verified (this browser gives it no private storage)."
                .to_string(),
            false,
        ),
        Err(why) => (
            format!(
                "Verifying and zipping on the page itself, which may slow it during large \
                 collections: {why}."
            ),
            true,
        ),
    })
}

/// Bytes of the worker's WASM memory, as it last reported them.
pub fn wasm_bytes() -> u64 {
    WORKER_WASM.with(Cell::get)
}

struct State {
    /// Answers awaited, by job (Verified, Rejected) or request id (Done): one id space.
    answers: RefCell<HashMap<u32, oneshot::Sender<(Report, JsValue)>>>,
    /// Reports on the worker's own calls, by job: `BodyRead`, then the verdict (or at once
    /// `CallFailed`).
    calls: RefCell<HashMap<u32, mpsc::UnboundedSender<Report>>>,
    broken: RefCell<Option<String>>,
    ready: RefCell<Option<oneshot::Sender<Result<bool, String>>>>,
}

impl State {
    fn hear(&self, report: Report, payload: JsValue) {
        match report {
            Report::Ready { scratch } => {
                if let Some(ready) = self.ready.borrow_mut().take() {
                    let _ = ready.send(Ok(scratch));
                }
            }
            // The worker's own calls read on as its engine takes their bytes; the page only
            // keeps the memory figure.
            Report::Took { wasm_bytes, .. } => {
                WORKER_WASM.with(|w| w.set(w.get().max(wasm_bytes)));
            }
            Report::BodyRead { job } => self.told(job, report),
            Report::Verified { job, .. }
            | Report::Rejected { job, .. }
            | Report::CallFailed { job, .. } => {
                let call = self.calls.borrow_mut().remove(&job);
                match call {
                    Some(call) => {
                        let _ = call.unbounded_send(report);
                    }
                    None => self.answer(job, report, payload),
                }
            }
            Report::Done { id, .. } => self.answer(id, report, payload),
            Report::Failed { reason } => self.break_down(reason),
        }
    }

    fn told(&self, job: u32, report: Report) {
        if let Some(call) = self.calls.borrow().get(&job) {
            let _ = call.unbounded_send(report);
        }
    }

    fn answer(&self, id: u32, report: Report, payload: JsValue) {
        if let Some(waiting) = self.answers.borrow_mut().remove(&id) {
            let _ = waiting.send((report, payload));
        }
    }

    /// The worker is gone: every wait ends (dropped senders), with this reason.
    fn break_down(&self, reason: String) {
        if let Some(ready) = self.ready.borrow_mut().take() {
            let _ = ready.send(Err(reason.clone()));
        }
        self.broken.borrow_mut().get_or_insert(reason);
        self.answers.borrow_mut().clear();
        self.calls.borrow_mut().clear();
    }
}

/// Cheap to clone: clones talk to the same worker.
#[derive(Clone)]
pub struct ByteWorker {
    worker: Worker,
    state: Rc<State>,
    next_id: Rc<Cell<u32>>,
    scratch: bool,
}

impl ByteWorker {
    /// True when the worker keeps bytes in the origin private file system.
    pub fn scratch(&self) -> bool {
        self.scratch
    }

    pub fn new_id(&self) -> u32 {
        let id = self.next_id.get().wrapping_add(1);
        self.next_id.set(id);
        id
    }

    fn broken(&self) -> Option<String> {
        self.state.broken.borrow().clone()
    }

    /// Posts an order with its payload; `transfer` moves a chunk's buffer instead of copying.
    pub fn tell(&self, order: &Order, payload: &JsValue, transfer: Option<&JsValue>) {
        let Ok(order) = serde_wasm_bindgen::to_value(order) else {
            return;
        };
        let message = Array::of2(&order, payload);
        let sent = match transfer {
            Some(buffer) => self
                .worker
                .post_message_with_transfer(&message, &Array::of1(buffer)),
            None => self.worker.post_message(&message),
        };
        if let Err(e) = sent {
            self.state.break_down(format!(
                "the page could not reach the worker: {}",
                super::js::js_text(e)
            ));
        }
    }

    /// Posts an order and waits for its answer (by `id`): the report and its payload.
    pub async fn ask(
        &self,
        order: &Order,
        id: u32,
        payload: &JsValue,
    ) -> Result<(Report, JsValue), String> {
        if let Some(why) = self.broken() {
            return Err(format!("the byte worker stopped: {why}"));
        }
        let (answer, answered) = oneshot::channel();
        self.state.answers.borrow_mut().insert(id, answer);
        self.tell(order, payload, None);
        answered.await.map_err(|_| {
            format!(
                "the byte worker stopped: {}",
                self.broken().unwrap_or_else(|| "no answer".into())
            )
        })
    }

    /// Has the worker download and verify `request` (an `Order::Fetch` for `job`) itself.
    /// Returns once the body is read — the call is over, its slot free — with the verdict to
    /// wait for; or why the call failed. A cancelled run stops the worker's call.
    pub async fn fetch(
        &self,
        job: u32,
        request: Order,
        cancel: &Cancel,
    ) -> Result<Verdict, CallFailure> {
        let (tell, mut heard) = mpsc::unbounded();
        if self.broken().is_some() {
            // Nobody would answer: the verdict says why at once.
            drop(tell);
            return Ok(Verdict {
                early: None,
                heard,
                worker: self.clone(),
            });
        }
        self.state.calls.borrow_mut().insert(job, tell);
        self.tell(&request, &JsValue::NULL, None);
        let stopped = std::pin::pin!(cancel.cancelled());
        let first = match futures::future::select(heard.next(), stopped).await {
            futures::future::Either::Left((first, _)) => first,
            futures::future::Either::Right(_) => {
                self.state.calls.borrow_mut().remove(&job);
                self.tell(&Order::Stop { job }, &JsValue::NULL, None);
                return Err(CallFailure::Aborted);
            }
        };
        match first {
            Some(Report::CallFailed { failure, .. }) => Err(failure),
            Some(Report::BodyRead { .. }) | None => Ok(Verdict {
                early: None,
                heard,
                worker: self.clone(),
            }),
            early => Ok(Verdict {
                early,
                heard,
                worker: self.clone(),
            }),
        }
    }

    /// The download is not wanted: its bytes go.
    pub fn discard(&self, job: u32) {
        self.tell(&Order::Discard { job }, &JsValue::NULL, None);
    }
}

/// The worker's verdict on a download whose body it has read.
pub struct Verdict {
    early: Option<Report>,
    heard: mpsc::UnboundedReceiver<Report>,
    worker: ByteWorker,
}

impl Verdict {
    /// The cART's size and whether it was the cART the server stores, or why it was rejected.
    pub async fn wait(mut self) -> Result<(u64, bool), String> {
        let report = match self.early.take() {
            Some(report) => Some(report),
            None => self.heard.next().await,
        };
        match report {
            Some(Report::Verified {
                cart_size,
                stored_as_cart,
                ..
            }) => Ok((cart_size, stored_as_cart)),
            Some(Report::Rejected { reason, .. }) => Err(reason),
            Some(other) => Err(format!("the byte worker answered {other:?}")),
            None => Err(format!(
                "the byte worker stopped: {}",
                self.worker.broken().unwrap_or_else(|| "no answer".into())
            )),
        }
    }
}

/// A verified download the worker holds until it is added to the zip; dropped unused, the
/// worker drops its bytes.
pub struct HeldDownload {
    worker: ByteWorker,
    job: u32,
    taken: bool,
}

impl HeldDownload {
    pub fn new(worker: ByteWorker, job: u32) -> HeldDownload {
        HeldDownload {
            worker,
            job,
            taken: false,
        }
    }

    /// The job to name in `Order::Add`; from here the worker drops the bytes itself.
    pub fn take(mut self) -> u32 {
        self.taken = true;
        self.job
    }
}

impl Drop for HeldDownload {
    fn drop(&mut self) {
        if !self.taken {
            self.worker.discard(self.job);
        }
    }
}

/// Starts the worker: the loader gets the URL of the page's module (from Trunk's
/// `modulepreload` link) and the compiled WebAssembly module, and answers Ready.
async fn start() -> Result<ByteWorker, String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let base = document
        .base_uri()
        .ok()
        .flatten()
        .ok_or("the page has no address")?;
    let glue = document
        .query_selector("link[rel=modulepreload]")
        .ok()
        .flatten()
        .and_then(|link| link.get_attribute("href"))
        .ok_or("this build of the page (the single-file one) has no module a worker can load")?;
    let absolute = |path: &str| {
        web_sys::Url::new_with_base(path, &base)
            .map(|u| u.href())
            .map_err(|_| format!("{path} is not a valid address"))
    };
    let (glue, loader) = (absolute(&glue)?, absolute(LOADER)?);
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options(&loader, &options).map_err(|e| {
        format!(
            "the browser refused to start a worker: {}",
            super::js::js_text(e)
        )
    })?;
    let (ready, is_ready) = oneshot::channel();
    let state = Rc::new(State {
        answers: RefCell::new(HashMap::new()),
        calls: RefCell::new(HashMap::new()),
        broken: RefCell::new(None),
        ready: RefCell::new(Some(ready)),
    });
    let hearing = state.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let message = Array::from(&event.data());
        match serde_wasm_bindgen::from_value::<Report>(message.get(0)) {
            Ok(report) => hearing.hear(report, message.get(1)),
            Err(e) => hearing.break_down(format!("it sent something unreadable ({e})")),
        }
    });
    let failing = state.clone();
    let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
        // A worker the CSP or a missing file stops gives an error event without a message.
        let message = event.message();
        failing.break_down(if message.is_empty() {
            "the worker's script could not be loaded (blocked by the Content-Security-Policy, \
             or missing from the server)"
                .into()
        } else {
            message
        });
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // Both live as long as the worker, which lives as long as the page.
    on_message.forget();
    on_error.forget();
    worker
        .post_message(&Array::of2(&glue.into(), &wasm_bindgen::module()))
        .map_err(|e| {
            format!(
                "the worker could not be given the module: {}",
                super::js::js_text(e)
            )
        })?;
    let timeout = gloo_timers::future::TimeoutFuture::new(START_MS);
    let scratch = match futures::future::select(is_ready, timeout).await {
        futures::future::Either::Left((Ok(Ok(scratch)), _)) => scratch,
        futures::future::Either::Left((Ok(Err(why)), _)) => {
            worker.terminate();
            return Err(why);
        }
        _ => {
            worker.terminate();
            return Err("the worker did not start in time".into());
        }
    };
    Ok(ByteWorker {
        worker,
        state,
        next_id: Rc::new(Cell::new(0)),
        scratch,
    })
}
