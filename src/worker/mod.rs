//! The byte worker's side. The page's own WebAssembly module also runs in a dedicated module
//! worker (`al-byte-worker.js` loads it and calls `start`); there it makes the downloads,
//! verifies cARTs, keeps them in memory or the origin private file system and writes the zip
//! (RC4, inflate, SHA-256, CRC-32), so no byte of a file crosses the page's thread. The pure core does the work; this only
//! drives it. The page's side is `web::worker`.

mod engine;
mod fetcher;
mod held;
pub mod protocol;

pub use engine::{Engine, Reply};

use std::rc::Rc;

use futures::channel::mpsc;
use futures::StreamExt;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use protocol::{Order, Report};

/// Entered from the worker's loader once the module is instantiated: answers orders until the
/// page ends the worker.
pub fn start() {
    let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else {
        return;
    };
    let (orders, mut queue) = mpsc::unbounded::<(Order, JsValue)>();
    let calls = Rc::new(fetcher::Calls::default());
    let hearing = calls.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let message = Array::from(&event.data());
        match serde_wasm_bindgen::from_value::<Order>(message.get(0)) {
            // Calls run beside each other; only their bytes queue for the engine.
            Ok(Order::Fetch {
                job,
                url,
                headers,
                cookies,
                sha256,
                expected_length,
            }) => {
                let request = fetcher::Request {
                    url,
                    headers,
                    cookies,
                    sha256,
                    expected_length,
                };
                let call = hearing.clone().run(job, request, orders.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    if let Some(report) = call.await {
                        post(&report, &JsValue::NULL);
                    }
                });
            }
            Ok(Order::Stop { job }) => hearing.stop(job),
            Ok(order) => {
                let _ = orders.unbounded_send((order, message.get(1)));
            }
            Err(e) => post(
                &Report::Failed {
                    reason: format!("the worker got an order it does not know: {e}"),
                },
                &JsValue::NULL,
            ),
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as the page: the handler is never dropped.
    on_message.forget();
    wasm_bindgen_futures::spawn_local(async move {
        let mut engine = Engine::new().await;
        post(
            &Report::Ready {
                scratch: engine.has_scratch(),
            },
            &JsValue::NULL,
        );
        // One order at a time, in the order sent: a chunk never overtakes its download's
        // start, nor an append the zip's opening.
        while let Some((order, payload)) = queue.next().await {
            let chunk = match &order {
                Order::Chunk { job } => {
                    Some((*job, payload.unchecked_ref::<Uint8Array>().length()))
                }
                _ => None,
            };
            let reply = engine.handle(order, payload).await;
            if let Some((job, bytes)) = chunk {
                let rejected = matches!(
                    &reply,
                    Some((
                        Report::Took {
                            rejected: Some(_),
                            ..
                        },
                        _
                    ))
                );
                calls.taken(job, u64::from(bytes), rejected);
            }
            if let Some((report, payload)) = reply {
                post(&report, &payload);
            }
        }
    });
}

fn post(report: &Report, payload: &JsValue) {
    let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else {
        return;
    };
    let report = serde_wasm_bindgen::to_value(report).unwrap_or(JsValue::NULL);
    let _ = scope.post_message(&Array::of2(&report, payload));
}
