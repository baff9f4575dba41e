//! Screen updates while a run goes on: at most one per animation frame, and no closer together
//! than a given gap. A run changes its state hundreds or thousands of times a second (every
//! tree, every answer merged, every file verified); drawing after each change made the page's
//! work grow with the square of the set, and even drawing at every frame spends the main
//! thread on layout and paint that the next answer undoes, leaving the transport's slots idle
//! while it draws. A hidden tab gets no frames: the run goes on, and the view catches up when
//! the tab is shown again.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::now_ms;

/// The shortest time between two redraws of the collection's view: ten a second read as live.
pub const REDRAW_MS: u32 = 100;

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

/// Lets the browser take a turn (input, drawing) before long work goes on.
pub async fn next_turn() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// A value a run changes and views read: every change asks each view for one redraw
/// (`OncePerFrame`, at most every `REDRAW_MS` or the view's own gap). Cheap to clone: clones
/// share the value.
pub struct Shared<T> {
    value: Rc<RefCell<T>>,
    redraws: Rc<RefCell<Vec<OncePerFrame>>>,
    gap_ms: f64,
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared {
            value: self.value.clone(),
            redraws: self.redraws.clone(),
            gap_ms: self.gap_ms,
        }
    }
}

impl<T: 'static> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        Shared::with_gap(value, f64::from(REDRAW_MS))
    }

    /// Redrawn no closer together than `gap_ms`.
    pub fn with_gap(value: T, gap_ms: f64) -> Shared<T> {
        Shared {
            value: Rc::new(RefCell::new(value)),
            redraws: Rc::new(RefCell::new(Vec::new())),
            gap_ms,
        }
    }

    /// A view's redraw, called at most once per frame in which the value changed.
    pub fn on_frame(&self, redraw: impl Fn() + 'static) {
        self.on_frame_every(self.gap_ms, redraw);
    }

    /// A view's redraw, no closer together than `gap_ms`: for a view that costs more to draw
    /// than the others.
    pub fn on_frame_every(&self, gap_ms: f64, redraw: impl Fn() + 'static) {
        self.redraws
            .borrow_mut()
            .push(OncePerFrame::new(gap_ms, redraw));
    }

    /// Redraws every view at once (a run's end), not at the next frame.
    pub fn draw_now(&self) {
        self.each_redraw(OncePerFrame::now);
    }

    /// Each view's redraw in turn, none borrowed while `act` runs (a redraw may read or change
    /// the value), and nothing allocated: `update` runs at every event of a run.
    fn each_redraw(&self, act: impl Fn(&OncePerFrame)) {
        for at in 0.. {
            let next = self.redraws.borrow().get(at).cloned();
            let Some(redraw) = next else {
                return;
            };
            act(&redraw);
        }
    }

    pub fn with<R>(&self, read: impl FnOnce(&T) -> R) -> R {
        read(&self.value.borrow())
    }

    /// Changes the value; the view hears of it at the next redraw.
    pub fn update<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        let out = change(&mut self.value.borrow_mut());
        self.each_redraw(OncePerFrame::request);
        out
    }

    /// Replaces the value (a new run); the view hears of it at the next redraw.
    pub fn set(&self, value: T) {
        self.update(|v| *v = value);
    }
}
