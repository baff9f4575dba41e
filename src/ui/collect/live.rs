use leptos::prelude::*;

use crate::run::board::Board;
use crate::web::frame::Shared;

/// The collection's board as the view sees it: reading it subscribes to its frame, so a view
/// redraws at most once per animation frame however many events the run had.
#[derive(Clone, Copy)]
pub struct LiveBoard {
    board: StoredValue<Shared<Board>, LocalStorage>,
    frame: Trigger,
}

impl LiveBoard {
    pub fn new(board: Shared<Board>) -> LiveBoard {
        let frame = Trigger::new();
        board.on_frame(move || frame.notify());
        LiveBoard {
            board: StoredValue::new_local(board),
            frame,
        }
    }

    /// Reads the board and redraws with it.
    pub fn with<R>(&self, read: impl FnOnce(&Board) -> R) -> R {
        self.frame.track();
        self.board.with_value(|b| b.with(read))
    }

    /// Reads without subscribing (event handlers, or a view keyed on something else).
    pub fn peek<R>(&self, read: impl FnOnce(&Board) -> R) -> R {
        self.board.with_value(|b| b.with(read))
    }

    /// Changes the board from the view (the user's answer, a new run).
    pub fn update<R>(&self, change: impl FnOnce(&mut Board) -> R) -> R {
        self.board.with_value(|b| b.update(change))
    }

    /// The shared board, for a run to write to.
    pub fn shared(&self) -> Shared<Board> {
        self.board.get_value()
    }
}
