//! One cART download, streamed through the verifier as it arrives.

use std::cell::RefCell;

use js_sys::Uint8Array;

use crate::core::cart::CartVerifier;
use crate::core::collect::DownloadJob;
use crate::core::error::ApiError;
use crate::web::http::{Cancel, Transport};

pub enum Failure {
    Api(ApiError),
    /// The bytes came but are not a sound cART of the file asked for.
    Cart(String),
}

/// Streams one cART through the verifier, keeping its chunks as JS arrays (outside WASM
/// memory) until it is known good. Returns the cART's size, whether it was the cART the server
/// stores (a file that is itself a cART comes back unchanged), and its chunks.
pub async fn fetch_verified(
    transport: &Transport,
    cancel: &Cancel,
    job: &DownloadJob,
) -> Result<(u64, bool, Vec<Uint8Array>), Failure> {
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
    Ok((report.cart_size, report.stored_as_cart, chunks.into_inner()))
}
