//! Mounts the page. Everything else lives in the library so tests can reach it.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
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

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("AL Collector is a web page: build it with `trunk build --release` (see README.md).");
    std::process::exit(2);
}
