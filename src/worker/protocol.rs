//! What the page and the byte worker say to each other. Every message is a two-item array:
//! the order or report (plain data, through `serde-wasm-bindgen`) and a payload that cannot be
//! plain data — a chunk of a download (its buffer transferred, not copied), the file the user
//! picked, the finished zip as a Blob — or null.

use serde::{Deserialize, Serialize};

use crate::core::bundle::{Keeper, ZipTime};

/// From the page to the worker. Orders are handled one at a time, in the order sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Order {
    /// Start zip `zip` kept by `keeper`; a picked file's handle is the payload. Answered by
    /// `Done { id: zip }` once it can take files. Several may be open (one closing while the
    /// next one fills).
    Open {
        zip: u32,
        keeper: Keeper,
        file_name: String,
        modified: ZipTime,
    },
    /// A download of `sha256` starts, or starts again after a retry: bytes it had are dropped.
    /// `Begin`, `Chunk` and `End` are what the worker's own calls (`Fetch`) feed its engine.
    Begin {
        job: u32,
        sha256: String,
        expected_length: u64,
    },
    /// The next bytes of a download; the payload is a Uint8Array.
    Chunk { job: u32 },
    /// The download's body ended: answered by `Verified` or `Rejected`.
    End { job: u32 },
    /// Download `url` as `job` with these headers (and the origin's cookies when `cookies`):
    /// the worker makes the call itself, so no byte of it crosses the page's thread. Answered
    /// by `BodyRead` then `Verified` or `Rejected`, or by `CallFailed`.
    Fetch {
        job: u32,
        url: String,
        headers: Vec<(String, String)>,
        cookies: bool,
        sha256: String,
        expected_length: u64,
    },
    /// The run was cancelled: abort `job`'s call.
    Stop { job: u32 },
    /// The download is not wanted (rejected, cut off, cancelled): its bytes go.
    Discard { job: u32 },
    /// Append a verified download to the zip as `<sha256>.cart`; its bytes then go.
    Add { id: u32, zip: u32, job: u32 },
    /// Write the manifest entries (named and rendered by the page, `manifest_entries`) and
    /// the central directory. `Done { id }` carries the finished zip as a Blob, or null when
    /// it went to the picked file.
    Close {
        id: u32,
        zip: u32,
        entries: Vec<(String, String)>,
    },
    /// Drop an open zip without finishing it.
    Abort { zip: u32 },
}

/// From the worker to the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Report {
    /// The worker runs; `scratch` says whether it can keep bytes in the origin private file
    /// system (synchronous access handles), else it keeps them in memory.
    Ready {
        scratch: bool,
    },
    /// `bytes` more of `job` were taken (told once a MiB, and at once on a rejection), and
    /// whether the download was rejected; the page keeps the worker's memory figure.
    Took {
        job: u32,
        bytes: u64,
        rejected: Option<String>,
        wasm_bytes: u64,
    },
    Verified {
        job: u32,
        cart_size: u64,
        /// The bytes were the cART Assemblyline stores, not one it made (`CartReport`).
        stored_as_cart: bool,
    },
    Rejected {
        job: u32,
        reason: String,
    },
    /// An `Open`, `Add` or `Close` is over: the zip's size so far, or why it failed.
    Done {
        id: u32,
        result: Result<u64, String>,
    },
    /// A `Fetch`'s body is read: its call is over, the verdict follows.
    BodyRead {
        job: u32,
    },
    /// A `Fetch` got no cART: the page's transport decides whether to retry.
    CallFailed {
        job: u32,
        failure: CallFailure,
    },
    /// The worker could not start (or broke): the page goes on without it.
    Failed {
        reason: String,
    },
}

/// Why a call the worker made brought no body to verify, as plain data: the page turns it into
/// the error its own call would have given (`Transport::call_failed`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CallFailure {
    /// The server answered with an error status.
    Status {
        status: u16,
        body: String,
    },
    /// The browser refused or lost the call before an answer (down, offline, blocked).
    Network,
    /// The body was cut off mid-way.
    Interrupted,
    Aborted,
}
