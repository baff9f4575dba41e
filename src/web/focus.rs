//! Keyboard focus for a page that redraws itself: a button that disables itself while its run
//! goes on drops focus to the page body, and a screen reader loses its place with it.

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

fn element(selector: &str) -> Option<HtmlElement> {
    web_sys::window()?
        .document()?
        .query_selector(selector)
        .ok()??
        .dyn_into::<HtmlElement>()
        .ok()
}

/// Focuses the first element matching `selector` now. An element that cannot take focus by
/// itself (a status line) is made focusable by script only (`tabindex="-1"`), so it adds no
/// tab stop.
pub fn focus_now(selector: &str) {
    if let Some(el) = element(selector) {
        if el.tab_index() < 0 && !el.has_attribute("tabindex") {
            let _ = el.set_attribute("tabindex", "-1");
        }
        let _ = el.focus();
    }
}

/// Runs `then` once the page has drawn the changes just made: views redraw within
/// `REDRAW_MS`, at an animation frame (`web::frame`), and Leptos applies them just after, so
/// a line about to appear, or a button about to be enabled, cannot take focus before.
fn after_redraw(then: impl FnOnce() + 'static) {
    let later = move || gloo_timers::callback::Timeout::new(0, then).forget();
    let frame = wasm_bindgen::closure::Closure::once_into_js(later);
    gloo_timers::callback::Timeout::new(super::frame::REDRAW_MS, move || {
        // A hidden tab draws no frames: focus then moves when the tab is shown again.
        if let Some(w) = web_sys::window() {
            let _ = w.request_animation_frame(frame.unchecked_ref());
        }
    })
    .forget();
}

/// Like [`focus_now`], once the page has drawn the changes just made.
pub fn focus_soon(selector: &'static str) {
    after_redraw(move || focus_now(selector));
}

/// Gives focus back to `selector` once drawn, unless the user has moved it meanwhile: only
/// when it is on the page body, nowhere, or still on `from` (where a run start put it).
pub fn return_focus(selector: &'static str, from: &'static str) {
    after_redraw(move || {
        let document = web_sys::window().and_then(|w| w.document());
        let active = document.as_ref().and_then(|d| d.active_element());
        let body = document.as_ref().and_then(|d| d.body());
        let elsewhere = match active {
            None => false,
            Some(active) => {
                let on_body = body.is_some_and(|b| {
                    let b: &web_sys::Element = b.as_ref();
                    b == &active
                });
                let on_from = element(from).is_some_and(|f| {
                    let f: &web_sys::Element = f.as_ref();
                    f == &active
                });
                !(on_body || on_from)
            }
        };
        if !elsewhere {
            focus_now(selector);
        }
    });
}
