use leptos::prelude::*;

/// One error in words, announced to screen readers. Text only: server strings never
/// become markup.
#[component]
pub fn ErrorLine(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message
            .get()
            .map(|m| view! { <p class="error" role="alert">{m}</p> })
    }
}
