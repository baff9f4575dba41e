//! What the screen shows of a collection: the pure state and the run's own facts. The run
//! writes it, the view reads it once per frame (`web::frame::Shared`).

use crate::core::collect::Collection;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Idle,
    /// Find files: scanning only, nothing downloads.
    Finding,
    Found,
    /// Download zip after a preview, or Collect zip scanning and downloading at once.
    Downloading,
    Done,
}

/// A zip saved by the run, for the status line.
#[derive(Clone, Debug, PartialEq)]
pub struct Saved {
    pub file_name: String,
    pub files: usize,
    pub failures: usize,
    pub bytes: u64,
}

pub struct Board {
    pub collection: Collection,
    pub phase: Phase,
    /// Why the whole run stopped (daily quota, revoked key, bad query, Cancel); what was
    /// found or downloaded stays.
    pub stop: Option<String>,
    pub saved: Vec<Saved>,
    /// `performance.now()` when this pass began, for rates and time left.
    pub started_ms: f64,
    /// True while the search is still paging (more submissions may come).
    pub searching: bool,
}

impl Board {
    pub fn new(collection: Collection) -> Board {
        Board {
            collection,
            phase: Phase::Idle,
            stop: None,
            saved: Vec::new(),
            started_ms: 0.0,
            searching: false,
        }
    }

    /// Records why the run stopped; the first reason wins.
    pub fn stop_with(&mut self, words: String) {
        self.stop.get_or_insert(words);
    }
}
