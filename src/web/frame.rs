//! State shared between a run and the screen, redrawn at most once per animation frame and
//! at most every `REDRAW_MS`.
//!
//! A run changes its state thousands of times a second (every tree, every chunk verified);
//! drawing after each change made the page's work grow with the square of the set. Here a
//! change only marks the state dirty and asks for one redraw; the redraw tells the view once,
//! however many changes came before it. Ten redraws a second read as live, and leave the main
//! thread to the calls when the server answers in no time. A hidden tab gets no frames: the
//! run goes on, and the view catches up when the tab is shown again.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// The shortest time between two redraws of the view.
pub const REDRAW_MS: u32 = 100;

struct Inner<T> {
    value: RefCell<T>,
    frame_asked: Cell<bool>,
    /// `performance.now()` of the last redraw.
    drawn_at: Cell<f64>,
    on_frame: RefCell<Option<Rc<dyn Fn()>>>,
}

/// Cheap to clone: clones share the value.
pub struct Shared<T>(Rc<Inner<T>>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T: 'static> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        Shared(Rc::new(Inner {
            value: RefCell::new(value),
            frame_asked: Cell::new(false),
            drawn_at: Cell::new(f64::MIN),
            on_frame: RefCell::new(None),
        }))
    }

    /// Called once per frame in which the value changed (the view's redraw).
    pub fn on_frame(&self, redraw: impl Fn() + 'static) {
        *self.0.on_frame.borrow_mut() = Some(Rc::new(redraw));
    }

    pub fn with<R>(&self, read: impl FnOnce(&T) -> R) -> R {
        read(&self.0.value.borrow())
    }

    /// Changes the value; the view hears of it at the next animation frame.
    pub fn update<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        let out = change(&mut self.0.value.borrow_mut());
        self.ask_frame();
        out
    }

    /// Replaces the value (a new run); the view hears of it at the next frame.
    pub fn set(&self, value: T) {
        self.update(|v| *v = value);
    }

    fn ask_frame(&self) {
        if self.0.frame_asked.replace(true) {
            return;
        }
        let since = super::now_ms() - self.0.drawn_at.get();
        let wait = (f64::from(REDRAW_MS) - since).max(0.0) as u32;
        let weak = Rc::downgrade(&self.0);
        if wait == 0 {
            request_redraw(weak);
        } else {
            gloo_timers::callback::Timeout::new(wait, move || request_redraw(weak)).forget();
        }
    }
}

/// Asks the browser for the next animation frame and redraws in it.
fn request_redraw<T: 'static>(weak: std::rc::Weak<Inner<T>>) {
    let frame = Closure::once_into_js({
        let weak = weak.clone();
        move || {
            let Some(inner) = weak.upgrade() else {
                return;
            };
            inner.frame_asked.set(false);
            inner.drawn_at.set(super::now_ms());
            let redraw = inner.on_frame.borrow().clone();
            if let Some(redraw) = redraw {
                redraw();
            }
        }
    });
    let asked = web_sys::window()
        .map(|w| w.request_animation_frame(frame.unchecked_ref()).is_ok())
        .unwrap_or(false);
    if !asked {
        // No window to draw in (a test harness): nothing will redraw, so ask again later.
        if let Some(inner) = weak.upgrade() {
            inner.frame_asked.set(false);
        }
    }
}
