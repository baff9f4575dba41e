//! Screen updates at most once per animation frame: a run may merge hundreds of answers
//! between two frames, and drawing after each would spend the frame budget many times over.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// Calls `draw` at the next animation frame, once, however often `request` was called since
/// the last one. Clones share the pending flag.
#[derive(Clone)]
pub struct OncePerFrame {
    pending: Rc<Cell<bool>>,
    draw: Rc<dyn Fn()>,
}

impl OncePerFrame {
    pub fn new(draw: impl Fn() + 'static) -> OncePerFrame {
        OncePerFrame {
            pending: Rc::new(Cell::new(false)),
            draw: Rc::new(draw),
        }
    }

    pub fn request(&self) {
        if self.pending.replace(true) {
            return;
        }
        let me = self.clone();
        let tick = Closure::once_into_js(move || me.now());
        let asked = web_sys::window()
            .map(|w| w.request_animation_frame(tick.unchecked_ref()).is_ok())
            .unwrap_or(false);
        // No frames to wait for (no window): draw at once rather than never.
        if !asked {
            self.now();
        }
    }

    /// Draws now (a run's end), and cancels nothing: a frame already asked for draws again,
    /// which costs one cheap pass.
    pub fn now(&self) {
        self.pending.set(false);
        (self.draw)();
    }
}

/// Lets the browser take a turn (input, drawing) before long work goes on.
pub async fn next_turn() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}
