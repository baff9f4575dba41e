//! Pivots into Assemblyline from the IoC view: for one value or for a whole group, the result
//! search the official UI opens for a tag, as links, and the query to paste (`core::pivot`).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{with_set, Shared};
use crate::core::ioc::Ioc;
use crate::core::pivot::{result_search, result_search_chunks, tag_query, tags_query};
use crate::ui::links::origin;
use crate::web::clipboard::copy_text;

fn copy_query(ctx: Shared, query: String, what: String) {
    spawn_local(async move {
        match copy_text(&query).await {
            Ok(()) => ctx
                .notice
                .set(Some(format!("Copied the query for {what}."))),
            Err(e) => ctx.trouble.set(Some(e)),
        }
    });
}

/// One value's cell: Search (a new tab on Assemblyline's result search) and Copy query.
pub fn value_pivots(ctx: Shared, ioc: &Ioc) -> impl IntoView {
    let query = tag_query(&ioc.tag_type, &ioc.value);
    let href = result_search(&origin(), &query);
    let what = format!("{} {}", ioc.tag_type, ioc.value);
    view! {
        <a class="pivot" href=href target="_blank" rel="noopener noreferrer"
            title="The results in Assemblyline that produced this tag">"Search"</a>
        " "
        <button type="button" class="link" on:click=move |_| copy_query(ctx, query.clone(), what.clone())>
            "Copy query"
        </button>
    }
}

/// The group's pivots over the values the filters show: the links are made when the list is
/// opened (a group may hold tens of thousands), split so each stays a link browsers accept.
#[component]
pub fn GroupPivots(tag_type: String) -> impl IntoView {
    let ctx = expect_context::<Shared>();
    let open = RwSignal::new(false);
    let values = {
        let tag_type = tag_type.clone();
        move || {
            with_set(&ctx, |set| {
                let filter = ctx.filter.get_untracked();
                set.visible_ids(&tag_type, &filter)
                    .into_iter()
                    .filter_map(|id| set.by_id(id).map(|i| i.value.clone()))
                    .collect::<Vec<String>>()
            })
        }
    };
    let links = {
        let (tag_type, values) = (tag_type.clone(), values.clone());
        move || {
            let values = values();
            let refs: Vec<&str> = values.iter().map(String::as_str).collect();
            let links = result_search_chunks(&origin(), &tag_type, &refs);
            let n = links.len();
            links
                .into_iter()
                .enumerate()
                .map(|(k, href)| {
                    let label = if n == 1 {
                        "All shown values".to_string()
                    } else {
                        format!("Part {} of {n}", k + 1)
                    };
                    view! { <li><a href=href target="_blank" rel="noopener noreferrer">{label}</a></li> }
                })
                .collect_view()
        }
    };
    let copy = {
        let tag_type = tag_type.clone();
        move |_| {
            let values = values();
            let refs: Vec<&str> = values.iter().map(String::as_str).collect();
            copy_query(
                ctx,
                tags_query(&tag_type, &refs),
                format!("{} {tag_type} values", values.len()),
            );
        }
    };
    view! {
        <button type="button" class="secondary" on:click=copy>"Copy as query"</button>
        <details class="pivots" on:toggle=move |ev| {
            open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())
        }>
            <summary>"Search in Assemblyline"</summary>
            <Show when=move || open.get()>
                <ul>{links.clone()}</ul>
            </Show>
        </details>
    }
}
