//! AL Collector: a browser page for Assemblyline 4.
//!
//! `core` decides everything and is tested natively; `run` drives long work (the collection's
//! pipeline) and talks to the view through plain state; `web` moves bytes in the browser; `ui`
//! renders state. `core` never imports the others.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(target_arch = "wasm32")]
pub mod run;

#[cfg(target_arch = "wasm32")]
pub mod ui;

#[cfg(target_arch = "wasm32")]
pub mod worker;
