//! State shared between a run and the screen, redrawn at most once per animation frame.
//!
//! A run changes its state thousands of times a second (every tree, every chunk verified);
//! drawing after each change made the page's work grow with the square of the set. Here a
//! change only marks the state dirty and asks for one animation frame; the frame tells the
//! view once, however many changes came before it. A hidden tab gets no frames: the run goes
//! on, and the view catches up when the tab is shown again.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

struct Inner<T> {
    value: RefCell<T>,
    frame_asked: Cell<bool>,
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
        let weak = Rc::downgrade(&self.0);
        let frame = Closure::once_into_js(move || {
            let Some(inner) = weak.upgrade() else {
                return;
            };
            inner.frame_asked.set(false);
            let redraw = inner.on_frame.borrow().clone();
            if let Some(redraw) = redraw {
                redraw();
            }
        });
        let asked = web_sys::window()
            .map(|w| w.request_animation_frame(frame.unchecked_ref()).is_ok())
            .unwrap_or(false);
        if !asked {
            // No window to draw in (a test harness): nothing will redraw, so ask again later.
            self.0.frame_asked.set(false);
        }
    }
}
