//! The drivers: every long-running loop of the collection, talking to the view through plain
//! state (`board::Board` in a `web::frame::Shared`) and to the browser through `web`. No Leptos
//! here; the view starts a pass and reads the board.

pub mod board;
pub mod bundle;
pub mod collect;
mod fetch;
