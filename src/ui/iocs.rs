use leptos::prelude::*;

#[component]
pub fn IocPanel() -> impl IntoView {
    view! { <p>"Network IoCs: connect first."</p> }
}
