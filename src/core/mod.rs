//! The pure core: no web-sys, no gloo. Every decision the page makes lives here.

pub mod api;
pub mod bundle;
pub mod cart;
pub mod collect;
pub mod download_origin;
pub mod error;
pub mod export;
pub mod ioc;
pub mod ioc_export;
pub mod ioc_query;
pub mod login;
pub mod pivot;
pub mod response;
pub mod retry;
pub mod short_hash;
pub mod status;
#[cfg(test)]
pub(crate) mod test_support;
pub mod units;
pub mod verdicts;
