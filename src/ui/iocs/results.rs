//! What a load produced: progress, one line per failed or partial submission, then the
//! filters, copy/export bar and one group per tag type.

use leptos::prelude::*;

use super::{actions, group, Shared};
use crate::run::iocs::{IocLoader, LoadNote as Note};
use crate::ui::ErrorLine;

#[component]
pub fn Results() -> impl IntoView {
    let ctx = expect_context::<Shared>();
    let status = ctx.status;
    let progress = Memo::new(move |_| status.with(|s| s.progress.clone()));
    let busy = Memo::new(move |_| status.with(|s| s.busy));
    let all_notes = Memo::new(move |_| status.with(|s| s.notes.clone()));
    let types = Memo::new(move |_| {
        ctx.groups
            .with(|gs| gs.iter().map(|g| g.tag_type.clone()).collect::<Vec<_>>())
    });
    let has_values = Memo::new(move |_| ctx.values.with(|set| !set.is_empty()));
    let nothing_found = move || {
        let done = progress.with(|p| p.as_ref().is_some_and(|p| p.finished && p.done > p.failed));
        (done && !has_values.get())
            .then(|| view! { <p class="status">"No network IoCs in these submissions."</p> })
    };
    let notes = move || {
        all_notes
            .get()
            .into_iter()
            .map(|note| match note {
                Note::Error(text) => view! { <p class="error sid-error">{text}</p> }.into_any(),
                Note::Partial(text) => view! { <p class="warning partial">{text}</p> }.into_any(),
                Note::Order(text) => view! { <p class="warning order">{text}</p> }.into_any(),
            })
            .collect_view()
    };
    // A capped search that has finished offers its other matches.
    let more_left = move || {
        progress.with(|p| {
            p.as_ref()
                .is_some_and(|p| p.finished && p.capped_at.is_some() && p.stopped.is_none())
        }) && !busy.get()
    };
    view! {
        <div class="ioc-results">
            {move || progress.get().map(|p| view! { <p class="status run-progress" role="status">{p.words()}</p> })}
            <Show when=more_left>
                <div class="buttons">
                    <button type="button" class="load-rest" on:click=move |_| ctx.loader.with_value(IocLoader::load_rest)>"Load the rest"</button>
                </div>
            </Show>
            <div class="notes" aria-live="polite">{notes}</div>
            {nothing_found}
            <Show when=move || has_values.get()>
                <actions::Actions />
                <ErrorLine message=ctx.trouble />
                {move || ctx.notice.get().map(|n| view! { <p class="status" role="status">{n}</p> })}
                <For
                    each=move || types.get()
                    key=|tag_type| tag_type.clone()
                    children=move |tag_type| view! { <group::GroupBox tag_type=tag_type /> }
                />
            </Show>
        </div>
    }
}
