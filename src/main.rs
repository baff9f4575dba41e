//! Mounts the page. Everything else lives in the library so tests can reach it.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    // The same module also runs in the byte worker, which has no window and no page to mount:
    // there the loader calls `al_byte_worker` instead.
    if web_sys::window().is_none() {
        return;
    }
    // index.html's words for a page that cannot start (opened from disk, scripts blocked) give
    // way to the page itself.
    if let Some(fallback) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("al-collector-fallback"))
    {
        fallback.remove();
    }
    leptos::mount::mount_to_body(al_collector::ui::App);
    // Mounting is synchronous: from here the form answers. The benchmark reads this mark as
    // the time to interactive.
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark("al-collector-interactive");
    }
    // Scratch zips of earlier visits, downloaded long ago, would otherwise fill the disk.
    wasm_bindgen_futures::spawn_local(al_collector::web::scratch::sweep());
    // Only the IoC sort needs it, and not before a run: it loads once the page answers.
    al_collector::web::suffixes::start();
}

// The byte worker's entry (src/worker/al-byte-worker.js calls it). Exported from the binary,
// where wasm-bindgen keeps it; a plain comment, so it is not copied into the JS glue.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn al_byte_worker() {
    al_collector::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("AL Collector is a web page: build it with `trunk build --release` (see README.md).");
    std::process::exit(2);
}
