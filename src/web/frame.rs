//! Screen updates while a run loads: at most one per animation frame, and no closer together
//! than a given gap. A run may merge hundreds of answers a second; drawing after each (or even
//! at every frame) spends the main thread on layout and paint that the next answer undoes,
//! and leaves the transport's slots idle while it draws.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// Calls `draw` once for any number of `request`s: at the first animation frame at least
/// `gap_ms` after the previous draw. Clones share the state.
#[derive(Clone)]
pub struct OncePerFrame {
    pending: Rc<Cell<bool>>,
    last: Rc<Cell<f64>>,
    gap_ms: f64,
    draw: Rc<dyn Fn()>,
}

impl OncePerFrame {
    pub fn new(gap_ms: f64, draw: impl Fn() + 'static) -> OncePerFrame {
        OncePerFrame {
            pending: Rc::new(Cell::new(false)),
            last: Rc::new(Cell::new(f64::NEG_INFINITY)),
            gap_ms,
            draw: Rc::new(draw),
        }
    }

    pub fn request(&self) {
        if self.pending.replace(true) {
            return;
        }
        let wait = self.last.get() + self.gap_ms - now_ms();
        let me = self.clone();
        if wait > 0.0 {
            gloo_timers::callback::Timeout::new(wait.ceil() as u32, move || me.at_next_frame())
                .forget();
        } else {
            me.at_next_frame();
        }
    }

    /// Draws now (a run's end). A frame already asked for draws again: one cheap pass.
    pub fn now(&self) {
        self.pending.set(false);
        self.last.set(now_ms());
        (self.draw)();
    }

    fn at_next_frame(&self) {
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
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Lets the browser take a turn (input, drawing) before long work goes on.
pub async fn next_turn() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}
