//! AL Collector: a browser page for Assemblyline 4.
//!
//! `core` decides everything and is tested natively; `web` moves bytes in the browser;
//! `ui` renders state. `core` never imports the other two.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(target_arch = "wasm32")]
pub mod ui;
