//! The drivers: every long-running loop (the collection's passes, the IoC view's loads),
//! talking to the view through plain state (`board::Board`, `iocs::IocBoard`, each in a
//! `web::frame::Shared`) and to the browser through `web`. No Leptos here; the view starts a
//! pass or a load and reads the board.

pub mod board;
pub mod bundle;
pub mod collect;
mod fetch;
pub mod iocs;
