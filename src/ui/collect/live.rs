use crate::run::board::Board;

/// The collection's board as the view sees it (`ui::live`).
pub type LiveBoard = crate::ui::live::Live<Board>;
