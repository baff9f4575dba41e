//! The public suffix list for the IoC sort, loaded once, in the background, after the page is
//! interactive: from the block the single-file build inlines, else from the file Trunk copies
//! next to the page. The page's code does not carry it (44 KB of the gzipped page).

use std::sync::Arc;

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_net::http::Request;
use web_sys::AbortSignal;

use crate::core::ioc::SuffixList;

/// Relative, so the page works at `/` and under a sub-path alike; same origin, so the CSP's
/// `connect-src 'self'` allows it.
const FILE: &str = "./public_suffix_list.dat";
/// The single-file build's copy (`scripts/build-single.sh`), unpacked by its boot script.
const BLOCK_ID: &str = "al-collector-suffixes";

/// The list, or why there is none, in words.
pub type Loaded = Result<Arc<SuffixList>, String>;

thread_local! {
    static LOADING: Shared<LocalBoxFuture<'static, Loaded>> = load().boxed_local().shared();
}

/// Starts loading; called once the page answers.
pub fn start() {
    let loading = LOADING.with(Clone::clone);
    wasm_bindgen_futures::spawn_local(async move {
        let _ = loading.await;
    });
}

/// The list, waiting for it while it loads. A failure is kept: later runs get it at once.
pub async fn get() -> Loaded {
    LOADING.with(Clone::clone).await
}

async fn load() -> Loaded {
    let text = match inline_copy() {
        Some(text) => text,
        None => fetch().await?,
    };
    SuffixList::parse(&text).map(Arc::new)
}

fn inline_copy() -> Option<String> {
    web_sys::window()?
        .document()?
        .get_element_by_id(BLOCK_ID)?
        .text_content()
}

/// A run waits for the list, so a server that never answers must not hold it for good.
const FETCH_LIMIT_MS: u32 = 20_000;

async fn fetch() -> Result<String, String> {
    let failed = |why: String| format!("{FILE} could not be loaded: {why}");
    let response = Request::get(FILE)
        .abort_signal(Some(&AbortSignal::timeout_with_u32(FETCH_LIMIT_MS)))
        .send()
        .await
        .map_err(|e| failed(e.to_string()))?;
    if !response.ok() {
        return Err(failed(format!("HTTP status {}", response.status())));
    }
    response.text().await.map_err(|e| failed(e.to_string()))
}
