//! One cART download, streamed through the verifier as it arrives: in the byte worker where
//! it runs (this thread only posts the chunks), else here.

use std::cell::RefCell;

use js_sys::Uint8Array;

use super::bundle::{Body, Verified};
use crate::core::cart::CartVerifier;
use crate::core::collect::DownloadJob;
use crate::core::error::ApiError;
use crate::web::http::{Cancel, Transport};
use crate::web::worker::{ByteWorker, HeldDownload};
use crate::worker::protocol::Order;

pub enum Failure {
    Api(ApiError),
    /// The bytes came but are not a sound cART of the file asked for.
    Cart(String),
}

/// Downloads and verifies one cART, by the byte worker when there is one.
pub async fn fetch_verified(
    transport: &Transport,
    cancel: &Cancel,
    job: &DownloadJob,
    worker: Option<&ByteWorker>,
) -> Result<Verified, Failure> {
    let (cart_size, stored_as_cart, body) = match worker {
        Some(worker) => in_worker(transport, cancel, job, worker).await?,
        None => here(transport, cancel, job).await?,
    };
    Ok(Verified {
        sha256: job.sha256.clone(),
        cart_size,
        stored_as_cart,
        body,
    })
}

/// The worker makes the call, verifies and keeps the bytes; this thread holds the call's slot
/// in the shared limit until the body is read, retries, and hears the verdict.
async fn in_worker(
    transport: &Transport,
    cancel: &Cancel,
    job: &DownloadJob,
    worker: &ByteWorker,
) -> Result<(u64, bool, Body), Failure> {
    let id = worker.new_id();
    // Dropped on any failure below: the worker then drops the bytes.
    let held = HeldDownload::new(worker.clone(), id);
    let call = transport.server.download(&job.sha256, &job.name, &job.sid);
    let read = transport
        .delegated(cancel, async |headers, cookies| {
            let request = Order::Fetch {
                job: id,
                url: call.url.to_string(),
                headers,
                cookies,
                sha256: job.sha256.clone(),
                expected_length: job.expected_size,
            };
            worker
                .fetch(id, request, cancel)
                .await
                .map_err(|failure| transport.call_failed(call.route, failure))
        })
        .await
        .map_err(Failure::Api)?;
    let (cart_size, stored) = read.wait().await.map_err(Failure::Cart)?;
    Ok((cart_size, stored, Body::InWorker(held)))
}

/// Verifies on this thread, keeping the chunks as JS arrays (outside WASM memory) until the
/// file is known good.
async fn here(
    transport: &Transport,
    cancel: &Cancel,
    job: &DownloadJob,
) -> Result<(u64, bool, Body), Failure> {
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
            async |chunk: Uint8Array| {
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
    Ok((
        report.cart_size,
        report.stored_as_cart,
        Body::Chunks(chunks.into_inner()),
    ))
}
