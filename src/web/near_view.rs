//! Whether an element is on screen or close to it (an `IntersectionObserver` with a margin of
//! one screen above and below). The IoC view draws a group's rows only then: a filter over
//! tens of thousands of values then redraws the few groups an analyst can see, not all of
//! them, and a group scrolled to has its rows before it comes into view.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};

/// How far beyond the screen an element still counts as near.
const MARGIN: &str = "100% 0px";

/// Keeps `near` true while `element` is within a screen of the viewport, from when it is
/// mounted until its owner is cleaned up. Where the browser has no observer, always true.
pub fn track<E>(element: NodeRef<E>, near: RwSignal<bool>)
where
    E: leptos::html::ElementType + 'static,
    E::Output: JsCast + Clone + 'static,
{
    Effect::new(move || {
        let Some(target) = element.get() else {
            return;
        };
        let on_change = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            // Entries come oldest first: the last says where the element is now.
            if let Some(entry) = entries.iter().last() {
                let entry: IntersectionObserverEntry = entry.unchecked_into();
                let _ = near.try_set(entry.is_intersecting());
            }
        });
        let options = IntersectionObserverInit::new();
        options.set_root_margin(MARGIN);
        let observer =
            IntersectionObserver::new_with_options(on_change.as_ref().unchecked_ref(), &options);
        match observer {
            Ok(observer) => {
                observer.observe(target.unchecked_ref());
                let kept = SendWrapper::new((observer, on_change));
                on_cleanup(move || kept.take().0.disconnect());
            }
            Err(_) => near.set(true),
        }
    });
}
