use leptos::prelude::*;

#[component]
pub fn CollectPanel() -> impl IntoView {
    view! { <p>"Collect files: connect first."</p> }
}
