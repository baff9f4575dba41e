//! The one transport every call goes through: credentials, the shared concurrency limit,
//! retries with backoff, and cancellation that really aborts the fetch.
//!
//! Cookies: an API-key call goes out with `credentials: "omit"`. Served on the Assemblyline
//! host, the page shares the origin's cookies with the analyst's Assemblyline web session, and
//! the server's 401 handler clears that session and expires `XSRF-TOKEN` (assemblyline-ui
//! `error.py`, `handle_401`): a wrong or revoked key would log the analyst out of the web UI.
//! Only "Use my Assemblyline login" sends cookies, on purpose.

use std::cell::Cell;
use std::rc::Rc;

use async_lock::Semaphore;
use event_listener::Event;
use gloo_net::http::{Request, RequestBuilder, Response};
use js_sys::Uint8Array;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, ReadableStreamDefaultReader, RequestCredentials};

use crate::core::api::{self, Call, Method, OntologyRecord, Server};
use crate::core::error::ApiError;
use crate::core::ioc::OntologyLines;
use crate::core::login::xsrf_token;
use crate::core::retry::{self, RetryPolicy};
use crate::core::verdicts::VerdictThresholds;
use crate::web::key_store::Credentials;
pub use crate::worker::protocol::CallFailure;

/// A cancellable run (a connect, a search, a collection). Cancelling aborts every fetch that
/// carries its signal and stops retries and queued calls at their next step.
#[derive(Clone)]
pub struct Cancel {
    controller: Rc<AbortController>,
    /// Wakes those waiting on another thread's call (`cancelled`).
    cancelled: Rc<Event>,
}

impl Cancel {
    pub fn new() -> Cancel {
        Cancel {
            controller: Rc::new(
                AbortController::new().expect("AbortController exists in every supported browser"),
            ),
            cancelled: Rc::new(Event::new()),
        }
    }

    /// Plain `abort()`: gloo-net panics on an abort reason that is not an Error.
    pub fn cancel(&self) {
        self.controller.abort();
        self.cancelled.notify(usize::MAX);
    }

    /// Resolves once the run is cancelled: a call made by the byte worker is told to stop.
    pub async fn cancelled(&self) {
        loop {
            let listener = self.cancelled.listen();
            if self.is_cancelled() {
                return;
            }
            listener.await;
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.controller.signal().aborted()
    }

    fn check(&self) -> Result<(), ApiError> {
        if self.is_cancelled() {
            Err(ApiError::Aborted)
        } else {
            Ok(())
        }
    }
}

impl Default for Cancel {
    fn default() -> Self {
        Cancel::new()
    }
}

/// How calls prove who they are.
#[derive(Clone, Debug, PartialEq)]
pub enum Auth {
    /// `X-USER` + `X-APIKEY`, no cookies.
    ApiKey(Credentials),
    /// The analyst's Assemblyline web session: cookies plus `X-XSRF-TOKEN`. `user` is the
    /// whoami user name once known (empty for the whoami call itself).
    Login { user: String },
}

/// Calls to one server as one user. Cheap to clone: clones share the concurrency limit.
#[derive(Clone)]
pub struct Transport {
    pub server: Server,
    auth: Rc<Auth>,
    limit: Rc<Semaphore>,
    /// "Parallel calls": how many may run at the server at once.
    parallelism: usize,
    /// The protocol the browser speaks with the server, once a call told it: with it, how many
    /// calls the limit hands the browser (`retry::calls_handed_to_browser`).
    protocol: Rc<std::cell::RefCell<String>>,
    policy: RetryPolicy,
    cross_origin: bool,
    /// Searches include the malware archive (Server tab, for users with `archive_view`).
    use_archive: Rc<Cell<bool>>,
    /// The server's verdict thresholds (whoami), for verdicts the page derives from scores.
    verdicts: Rc<Cell<VerdictThresholds>>,
}

impl Transport {
    pub fn new(server: Server, credentials: Credentials, parallelism: usize) -> Transport {
        Transport::with_auth(server, Auth::ApiKey(credentials), parallelism)
    }

    pub fn with_auth(server: Server, auth: Auth, parallelism: usize) -> Transport {
        let parallelism = retry::parallelism(parallelism, None);
        let cross_origin = server.is_cross_origin(&crate::web::page_origin());
        Transport {
            server,
            auth: Rc::new(auth),
            limit: Rc::new(Semaphore::new(parallelism)),
            parallelism,
            protocol: Rc::default(),
            policy: RetryPolicy::default(),
            cross_origin,
            use_archive: Rc::new(Cell::new(false)),
            verdicts: Rc::new(Cell::new(VerdictThresholds::default())),
        }
    }

    /// The server's verdict thresholds, once whoami told them (defaults before).
    pub fn verdicts(&self) -> VerdictThresholds {
        self.verdicts.get()
    }

    pub fn set_verdicts(&self, verdicts: VerdictThresholds) {
        self.verdicts.set(verdicts);
    }

    /// True when calls ride on the analyst's Assemblyline login.
    pub fn uses_login(&self) -> bool {
        matches!(*self.auth, Auth::Login { .. })
    }

    pub fn use_archive(&self) -> bool {
        self.use_archive.get()
    }

    /// Shared by every clone: the Server tab's "Include archive" reaches running views.
    pub fn set_use_archive(&self, on: bool) {
        self.use_archive.set(on);
    }

    /// How many calls are handed to the browser at once; workers beyond it would only wait on
    /// the limit.
    pub fn parallelism(&self) -> usize {
        retry::calls_handed_to_browser(self.parallelism, &self.protocol.borrow())
    }

    /// How calls go, in words, once the protocol is known (`retry::calls_words`).
    pub fn calls_words(&self) -> Option<String> {
        retry::calls_words(self.parallelism, &self.protocol.borrow())
    }

    /// Tells the transport which protocol the browser speaks with the server (after a first
    /// call): over HTTP/1 it hands the browser a few calls beyond its connections, which it
    /// sends the moment one frees, while the server still sees no more than "Parallel calls".
    pub fn learn_protocol(&self, protocol: &str) {
        let before = self.parallelism();
        *self.protocol.borrow_mut() = protocol.to_string();
        // A semaphore's permits only grow: a protocol learnt again never takes slots back.
        self.limit
            .add_permits(self.parallelism().saturating_sub(before));
    }

    pub fn user(&self) -> &str {
        match &*self.auth {
            Auth::ApiKey(credentials) => &credentials.user,
            Auth::Login { user } => user,
        }
    }

    /// A JSON endpoint, decoded into `T`.
    pub async fn json<T: DeserializeOwned>(
        &self,
        call: Call,
        cancel: &Cancel,
    ) -> Result<T, ApiError> {
        self.with_text(&call, cancel, |status, body| {
            crate::core::response::parse_json(call.route, status, body)
        })
        .await
    }

    /// The NDJSON ontology endpoint.
    pub async fn ontology(
        &self,
        call: Call,
        cancel: &Cancel,
    ) -> Result<Vec<OntologyRecord>, ApiError> {
        self.with_text(&call, cancel, |status, body| {
            if (200..300).contains(&status) {
                api::parse_ontology(body)
            } else {
                Err(ApiError::from_status(call.route, status, body))
            }
        })
        .await
    }

    /// The NDJSON ontology endpoint, each record handed over as soon as its line arrives.
    /// A retry restarts the body and hands its records over again: callers merge, and
    /// merging a record twice changes nothing.
    pub async fn ontology_records(
        &self,
        call: Call,
        cancel: &Cancel,
        mut on_record: impl FnMut(OntologyRecord),
    ) -> Result<(), ApiError> {
        self.with_retries(&call, cancel, async |response: Response| {
            if !response.ok() {
                let body = response.text().await.unwrap_or_default();
                return Err(ApiError::from_status(call.route, response.status(), &body));
            }
            let mut lines = OntologyLines::default();
            let mut bad = None;
            let read = read_body(&response, cancel, &mut async |chunk: Uint8Array| {
                let records = lines
                    .push(&chunk.to_vec())
                    .map_err(|e| bad.insert(e).to_string())?;
                records.into_iter().for_each(&mut on_record);
                Ok(())
            })
            .await?;
            if let (Err(_), Some(e)) = (read, bad) {
                return Err(e);
            }
            lines.finish()?.into_iter().for_each(&mut on_record);
            Ok(())
        })
        .await
    }

    /// A binary download, handed over chunk by chunk so the body never sits whole in WASM
    /// memory. `on_chunk` may fail (a cART that does not verify) to stop reading early, and
    /// may take its time (the byte worker's back-pressure): the next read waits for it.
    /// Retries restart the body: `on_start` tells the caller to drop what it had.
    pub async fn download(
        &self,
        call: Call,
        cancel: &Cancel,
        mut on_start: impl FnMut(),
        mut on_chunk: impl AsyncFnMut(Uint8Array) -> Result<(), String>,
    ) -> Result<Result<(), String>, ApiError> {
        self.with_retries(&call, cancel, async |response: Response| {
            if !response.ok() {
                let body = response.text().await.unwrap_or_default();
                return Err(ApiError::from_status(call.route, response.status(), &body));
            }
            on_start();
            read_body(&response, cancel, &mut on_chunk).await
        })
        .await
    }

    /// A call whose whole body is text, handed to `parse` with the status.
    async fn with_text<T>(
        &self,
        call: &Call,
        cancel: &Cancel,
        parse: impl Fn(u16, &str) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.with_retries(call, cancel, async |response: Response| {
            let status = response.status();
            let body = response.text().await.map_err(|e| self.fetch_error(e))?;
            parse(status, &body)
        })
        .await
    }

    /// Sends `call` under the concurrency limit and hands the answer to `read`, again after a
    /// pause while the error is worth retrying (`RetryPolicy`).
    async fn with_retries<T>(
        &self,
        call: &Call,
        cancel: &Cancel,
        mut read: impl AsyncFnMut(Response) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.retrying(cancel, async || {
            let response = self.send(call, cancel).await?;
            read(response).await
        })
        .await
    }

    /// A call another thread makes (the byte worker's downloads), under the same concurrency
    /// limit, retries and credentials: `attempt` gets the headers to send and whether cookies
    /// go with them, and answers as a call made here would.
    pub async fn delegated<T>(
        &self,
        cancel: &Cancel,
        mut attempt: impl AsyncFnMut(Vec<(String, String)>, bool) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.retrying(cancel, async || {
            attempt(self.auth_headers(), self.uses_login()).await
        })
        .await
    }

    /// Runs `attempt` holding one of the limit's slots, again after a pause while its error is
    /// worth retrying.
    async fn retrying<T>(
        &self,
        cancel: &Cancel,
        mut attempt: impl AsyncFnMut() -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut failures = 0;
        loop {
            cancel.check()?;
            let attempted = async {
                let _slot = self.limit.acquire().await;
                cancel.check()?;
                attempt().await
            };
            match attempted.await {
                Err(error) => {
                    failures += 1;
                    self.pause_or_fail(error, failures, cancel).await?;
                }
                done => return done,
            }
        }
    }

    /// The headers that say who calls: the API key, or the login's XSRF token, read at every
    /// call because a new login in another tab sets a new one.
    fn auth_headers(&self) -> Vec<(String, String)> {
        match &*self.auth {
            Auth::ApiKey(credentials) => vec![
                ("X-USER".into(), credentials.user.clone()),
                ("X-APIKEY".into(), credentials.key().to_string()),
            ],
            Auth::Login { .. } => vec![(
                "X-XSRF-TOKEN".into(),
                xsrf_token(&crate::web::cookies()).unwrap_or_default(),
            )],
        }
    }

    /// What a call another thread made came to, as the error this thread's call would give.
    pub fn call_failed(&self, route: api::Route, failure: CallFailure) -> ApiError {
        match failure {
            CallFailure::Status { status, body } => ApiError::from_status(route, status, &body),
            CallFailure::Network => ApiError::Network {
                cross_origin: self.cross_origin,
            },
            CallFailure::Interrupted => ApiError::Interrupted,
            CallFailure::Aborted => ApiError::Aborted,
        }
    }

    /// Sleeps before the next try, or hands the error back when it is not worth retrying.
    async fn pause_or_fail(
        &self,
        error: ApiError,
        failures: u32,
        cancel: &Cancel,
    ) -> Result<(), ApiError> {
        let Some(delay) = self
            .policy
            .delay_ms(&error, failures, js_sys::Math::random())
        else {
            return Err(error);
        };
        // Sleep in slices so Cancel is felt within a quarter second.
        let mut left = delay;
        while left > 0 {
            cancel.check()?;
            let step = left.min(250);
            gloo_timers::future::TimeoutFuture::new(step as u32).await;
            left -= step;
        }
        Ok(())
    }

    async fn send(&self, call: &Call, cancel: &Cancel) -> Result<Response, ApiError> {
        let url = call.url.as_str();
        let builder: RequestBuilder = match call.method {
            Method::Get => Request::get(url),
            Method::Post => Request::post(url),
        };
        let mut builder = builder.credentials(if self.uses_login() {
            RequestCredentials::SameOrigin
        } else {
            RequestCredentials::Omit
        });
        for (name, value) in self.auth_headers() {
            builder = builder.header(&name, &value);
        }
        let builder = builder
            .header("Accept", "application/json")
            .abort_signal(Some(&cancel.controller.signal()));
        let request = match &call.body {
            Some(body) => builder
                .header("Content-Type", "application/json")
                .body(body.as_str()),
            None => builder.build(),
        }
        .map_err(|e| self.fetch_error(e))?;
        request.send().await.map_err(|e| self.fetch_error(e))
    }

    /// gloo-net errors carry no status: an abort, or a fetch the browser refused (down,
    /// offline, or blocked by CORS — JS cannot tell which).
    fn fetch_error(&self, error: gloo_net::Error) -> ApiError {
        match error {
            gloo_net::Error::JsError(js) if js.name == "AbortError" => ApiError::Aborted,
            gloo_net::Error::SerdeError(e) => ApiError::Decode(e.to_string()),
            _ => ApiError::Network {
                cross_origin: self.cross_origin,
            },
        }
    }
}

/// The next chunk of a body being read, None at its end; Err when the read failed (the
/// connection cut, the call aborted). The Streams standard gives every chunk not `done` a
/// value.
pub async fn next_chunk(
    reader: &ReadableStreamDefaultReader,
) -> Result<Option<Uint8Array>, JsValue> {
    let step = JsFuture::from(reader.read()).await?;
    let done = js_sys::Reflect::get(&step, &"done".into()).map_or(true, |d| d.is_truthy());
    if done {
        return Ok(None);
    }
    js_sys::Reflect::get(&step, &"value".into()).map(|v| Some(v.unchecked_into()))
}

/// Reads a streamed body without collecting it; the reader is released on every exit.
async fn read_body(
    response: &Response,
    cancel: &Cancel,
    on_chunk: &mut impl AsyncFnMut(Uint8Array) -> Result<(), String>,
) -> Result<Result<(), String>, ApiError> {
    let Some(stream) = response.body() else {
        return Ok(Ok(()));
    };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    loop {
        if cancel.is_cancelled() {
            let _ = reader.cancel();
            return Err(ApiError::Aborted);
        }
        let chunk = next_chunk(&reader).await.map_err(|_| {
            if cancel.is_cancelled() {
                ApiError::Aborted
            } else {
                // A body cut off mid-way (connection reset, proxy timeout) is transient.
                ApiError::Interrupted
            }
        })?;
        let Some(value) = chunk else {
            return Ok(Ok(()));
        };
        if let Err(reason) = on_chunk(value).await {
            let _ = reader.cancel();
            return Ok(Err(reason));
        }
    }
}
