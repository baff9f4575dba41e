//! Downloads the worker makes itself (`Order::Fetch`): the body streams from the network into
//! the engine's queue as `Begin`, `Chunk`s and `End`, so no byte of a file crosses the page's
//! thread — it only sends one order and hears one answer per file. Each call runs beside the
//! others; the engine still takes their chunks one at a time, in order.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use event_listener::Event;
use futures::channel::mpsc::UnboundedSender;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, ReadableStreamDefaultReader, RequestCredentials, RequestInit,
    Response, WorkerGlobalScope,
};

use super::protocol::{CallFailure, Order, Report};
use crate::web::http::next_chunk;

/// Bytes of one download queued for the engine before its call reads on: memory stays
/// bounded by the parallel calls, whatever the files' sizes.
const WINDOW: u64 = 4 << 20;

/// What a `Fetch` needs besides its job number.
pub struct Request {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub cookies: bool,
    pub sha256: String,
    pub expected_length: u64,
}

/// The worker's calls under way, shared by the message handler, the calls and the engine loop.
#[derive(Default)]
pub struct Calls {
    aborts: RefCell<HashMap<u32, AbortController>>,
    /// Bytes handed to the engine and not yet taken, per download.
    queued: RefCell<HashMap<u32, u64>>,
    /// Downloads the engine rejected: their calls stop reading.
    rejected: RefCell<HashSet<u32>>,
    took: Event,
}

impl Calls {
    /// The engine took a chunk of `job` (`bytes` long), and said whether it rejected the file.
    pub fn taken(&self, job: u32, bytes: u64, rejected: bool) {
        if let Some(queued) = self.queued.borrow_mut().get_mut(&job) {
            *queued = queued.saturating_sub(bytes);
        }
        if rejected {
            self.rejected.borrow_mut().insert(job);
        }
        self.took.notify(usize::MAX);
    }

    /// The page cancelled the run.
    pub fn stop(&self, job: u32) {
        if let Some(abort) = self.aborts.borrow().get(&job) {
            abort.abort();
        }
    }

    /// Makes the call and feeds its body to the engine; a call that brings no body to verify
    /// is answered here, a body's verdict by the engine's `End`.
    pub async fn run(
        self: Rc<Calls>,
        job: u32,
        request: Request,
        engine: UnboundedSender<(Order, JsValue)>,
    ) -> Option<Report> {
        let Ok(abort) = AbortController::new() else {
            return Some(Report::CallFailed {
                job,
                failure: CallFailure::Network,
            });
        };
        self.aborts.borrow_mut().insert(job, abort.clone());
        self.queued.borrow_mut().insert(job, 0);
        self.rejected.borrow_mut().remove(&job);
        let fed = self.feed(job, &request, &abort, &engine).await;
        self.aborts.borrow_mut().remove(&job);
        self.queued.borrow_mut().remove(&job);
        self.rejected.borrow_mut().remove(&job);
        let order = match fed {
            Ok(()) => {
                // The page frees the call's slot now, not once the verdict is in.
                super::post(&Report::BodyRead { job }, &JsValue::NULL);
                Order::End { job }
            }
            Err(_) => Order::Discard { job },
        };
        let _ = engine.unbounded_send((order, JsValue::NULL));
        fed.err().map(|failure| Report::CallFailed { job, failure })
    }

    async fn feed(
        &self,
        job: u32,
        request: &Request,
        abort: &AbortController,
        engine: &UnboundedSender<(Order, JsValue)>,
    ) -> Result<(), CallFailure> {
        let lost = |_| {
            if abort.signal().aborted() {
                CallFailure::Aborted
            } else {
                CallFailure::Network
            }
        };
        let response: Response = JsFuture::from(send(request, abort).map_err(lost)?)
            .await
            .map_err(lost)?
            .unchecked_into();
        if !response.ok() {
            let text = response.text().map_err(lost)?;
            let body = JsFuture::from(text).await.map_err(lost)?;
            return Err(CallFailure::Status {
                status: response.status(),
                body: body.as_string().unwrap_or_default(),
            });
        }
        let begin = Order::Begin {
            job,
            sha256: request.sha256.clone(),
            expected_length: request.expected_length,
        };
        let _ = engine.unbounded_send((begin, JsValue::NULL));
        let Some(body) = response.body() else {
            return Ok(());
        };
        let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        let cut = |_| {
            if abort.signal().aborted() {
                CallFailure::Aborted
            } else {
                CallFailure::Interrupted
            }
        };
        loop {
            let Some(chunk) = next_chunk(&reader).await.map_err(cut)? else {
                return Ok(());
            };
            if let Some(queued) = self.queued.borrow_mut().get_mut(&job) {
                *queued += u64::from(chunk.length());
            }
            let _ = engine.unbounded_send((Order::Chunk { job }, chunk.into()));
            // Reads on only once the engine has caught up; a rejected file is not read on.
            loop {
                let listener = self.took.listen();
                if self.rejected.borrow().contains(&job) {
                    let _ = reader.cancel();
                    return Ok(());
                }
                if self.queued.borrow().get(&job).copied().unwrap_or(0) <= WINDOW {
                    break;
                }
                listener.await;
            }
        }
    }
}

fn send(request: &Request, abort: &AbortController) -> Result<js_sys::Promise, JsValue> {
    let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
    let headers = Headers::new()?;
    for (name, value) in &request.headers {
        headers.set(name, value)?;
    }
    headers.set("Accept", "application/json")?;
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_signal(Some(&abort.signal()));
    // API-key calls carry no cookies: a 401 would end the analyst's Assemblyline session.
    init.set_credentials(if request.cookies {
        RequestCredentials::SameOrigin
    } else {
        RequestCredentials::Omit
    });
    Ok(scope.fetch_with_str_and_init(&request.url, &init))
}
