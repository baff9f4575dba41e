//! A driver's board as a view sees it: reading it subscribes to its frame, so a view redraws
//! at most once per frame however many events the driver had.

use leptos::prelude::*;

use crate::web::frame::Shared;

pub struct Live<T: 'static> {
    board: StoredValue<Shared<T>, LocalStorage>,
    frame: Trigger,
}

impl<T: 'static> Clone for Live<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for Live<T> {}

impl<T: 'static> Live<T> {
    pub fn new(board: Shared<T>) -> Live<T> {
        let frame = Trigger::new();
        board.on_frame(move || frame.notify());
        Live {
            board: StoredValue::new_local(board),
            frame,
        }
    }

    /// Reads the board and redraws with it.
    pub fn with<R>(&self, read: impl FnOnce(&T) -> R) -> R {
        self.frame.track();
        self.board.with_value(|b| b.with(read))
    }

    /// Reads without subscribing (event handlers, or a view keyed on something else).
    pub fn peek<R>(&self, read: impl FnOnce(&T) -> R) -> R {
        self.board.with_value(|b| b.with(read))
    }

    /// Changes the board from the view (the user's answer, a new run).
    pub fn update<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        self.board.with_value(|b| b.update(change))
    }

    /// The shared board, for a driver to write to.
    pub fn shared(&self) -> Shared<T> {
        self.board.get_value()
    }

    /// The same board, redrawn no closer together than `gap_ms`.
    pub fn every(self, gap_ms: f64) -> Slow<T> {
        let frame = Trigger::new();
        self.board
            .with_value(|b| b.on_frame_every(gap_ms, move || frame.notify()));
        Slow { live: self, frame }
    }
}

/// A board read by a view that costs more to redraw than it tells at every frame: one whose
/// rows move under the reader while a run goes on. Its redraws leave the page's thread free
/// for the calls; a run's end still draws it at once (`Shared::draw_now`).
pub struct Slow<T: 'static> {
    live: Live<T>,
    frame: Trigger,
}

impl<T: 'static> Clone for Slow<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for Slow<T> {}

impl<T: 'static> Slow<T> {
    /// Reads the board and redraws with it, at most once per the gap.
    pub fn with<R>(&self, read: impl FnOnce(&T) -> R) -> R {
        self.frame.track();
        self.live.peek(read)
    }
}
