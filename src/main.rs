//! Mounts the page. Everything else lives in the library so tests can reach it.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(al_collector::ui::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("AL Collector is a web page: build it with `trunk build --release` (see README.md).");
    std::process::exit(2);
}
