//! One tag type: a header with its count and copy button, then its values as a windowed
//! table: every value is reachable by scrolling, but only the rows in view (and a few either
//! side) are in the page, so a group of 50,000 draws as fast as one of 50; and a group a
//! screen or more away from the viewport draws none, only the space they take, so a filter
//! redraws the groups in sight, not every group. Values are server strings from malware:
//! text nodes only.

use leptos::prelude::*;

use super::{actions, pivot, Shared};
use crate::core::ioc::{Filter, Ioc, IocId, IocSet};
use crate::core::ioc_query::verdict_words;
use crate::ui::links::{short_sha256_link, sid_link};

/// Every row is this tall (the stylesheet fixes it), so a scroll offset names a row.
const ROW_PX: f64 = 30.0;
/// Rows in view when the table is at its tallest (the stylesheet's max-height / ROW_PX).
const IN_VIEW: usize = 22;
/// Rows drawn beyond each edge, so a quick scroll does not show blank space; few, since every
/// group draws them and their links and Copy buttons are most of a first draw.
const AROUND: usize = 4;
/// Submissions and files listed per value before "+N more".
const LISTED: usize = 5;
/// Submissions and files a cell's tooltip names.
const ON_HOVER: usize = 25;

/// A group as the view needs it: handles only, so a memo can hold and compare it cheaply.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupView {
    pub tag_type: String,
    pub total: usize,
    pub ids: Vec<IocId>,
}

pub fn views(set: &IocSet, filter: &Filter) -> Vec<GroupView> {
    set.visible_id_groups(filter)
        .into_iter()
        .map(|(tag_type, total, ids)| GroupView {
            tag_type: tag_type.to_string(),
            total,
            ids,
        })
        .collect()
}

/// The rows to draw for a scroll offset: [first, end) of `len`.
fn window(scroll_top: f64, len: usize) -> (usize, usize) {
    let top = (scroll_top.max(0.0) / ROW_PX) as usize;
    let first = top.saturating_sub(AROUND).min(len);
    let end = (top + IN_VIEW + AROUND).min(len);
    (first, end.max(first))
}

#[component]
pub fn GroupBox(tag_type: String) -> impl IntoView {
    let ctx = expect_context::<Shared>();
    let scroll_top = RwSignal::new(0.0f64);
    let section = NodeRef::<leptos::html::Section>::new();
    let near = RwSignal::new(false);
    crate::web::near_view::track(section, near);
    let t = tag_type.clone();
    let counts = Memo::new(move |_| {
        ctx.groups.with(|gs| {
            gs.iter()
                .find(|g| g.tag_type == t)
                .map(|g| (g.ids.len(), g.total))
                .unwrap_or_default()
        })
    });
    let t = tag_type.clone();
    // The rows in view: where the window starts and ends, and each value's handle with when
    // it last changed, so a row is drawn again only when its value changed.
    let shown = Memo::new(move |_| {
        let (first, below, ids) = ctx.groups.with(|gs| {
            let Some(g) = gs.iter().find(|g| g.tag_type == t) else {
                return (0, 0, Vec::new());
            };
            if !near.get() {
                return (0, g.ids.len(), Vec::new());
            }
            let (first, end) = window(scroll_top.get(), g.ids.len());
            (first, g.ids.len() - end, g.ids[first..end].to_vec())
        });
        let rows = ctx.values.with(|set| {
            ids.into_iter()
                .map(|id| (id, set.changed(id)))
                .collect::<Vec<_>>()
        });
        (first, below, rows)
    });
    let rows = move || shown.with(|s| s.2.clone());
    let draw =
        move |(id, _): (IocId, u64)| ctx.values.peek(|set| set.by_id(id).map(|i| row(ctx, i)));
    let above = move || format!("{}px", shown.with(|s| s.0) as f64 * ROW_PX);
    let below = move || format!("{}px", shown.with(|s| s.1) as f64 * ROW_PX);
    let t = tag_type.clone();
    let copy = move |_| actions::copy_values(ctx, Some(t.clone()));
    let count_words = move || {
        let (visible, total) = counts.get();
        let values = if total == 1 { "value" } else { "values" };
        match total - visible {
            0 => format!("{total} {values}"),
            hidden => format!("{visible} of {total} {values} ({hidden} hidden by the filters)"),
        }
    };
    let on_scroll = move |ev: leptos::ev::Event| {
        let top = event_target::<leptos::web_sys::Element>(&ev).scroll_top();
        scroll_top.set(top as f64);
    };
    view! {
        <section class="group" aria-label=tag_type.clone() node_ref=section>
            <header>
                <h3>{tag_type.clone()}</h3>
                <span class="count">{count_words}</span>
                <button type="button" class="secondary" disabled=move || counts.get().0 == 0 on:click=copy>
                    {format!("Copy {tag_type}")}
                </button>
                <pivot::GroupPivots tag_type=tag_type.clone() />
            </header>
            <Show when=move || counts.get().0 != 0>
                <div class="rows" tabindex="0" on:scroll=on_scroll>
                    <table class="iocs">
                        <thead>
                            <tr>
                                <th>"Value"</th><th>"Verdict"</th><th>"Safelisted"</th>
                                <th>"Classification"</th><th>"Submissions"</th><th>"Source files"</th>
                                <th>"In Assemblyline"</th>
                            </tr>
                        </thead>
                        <tbody>
                            <tr class="spacer" aria-hidden="true"><td colspan="7" style:height=above></td></tr>
                            <For each=rows key=|r| *r children=draw />
                            <tr class="spacer" aria-hidden="true"><td colspan="7" style:height=below></td></tr>
                        </tbody>
                    </table>
                </div>
            </Show>
        </section>
    }
}

fn row(ctx: Shared, ioc: &Ioc) -> impl IntoView {
    let verdict = ioc.verdict;
    let sids = listed(ioc.sids.iter().map(|sid| sid_link(sid)));
    let all_sids = hover_list(ioc.sids.iter());
    let files = listed(ioc.files.iter().map(|f| short_sha256_link(f)));
    let all_files = hover_list(ioc.files.iter());
    view! {
        <tr>
            <td class="value" title=ioc.value.clone()>{ioc.value.clone()}</td>
            <td><span class=format!("verdict {}", verdict.as_str())>{verdict_words(verdict)}</span></td>
            <td>{safelist_cell(ioc)}</td>
            <td>{ioc.classification.clone()}</td>
            <td class="mono" title=all_sids>{sids}</td>
            <td class="mono" title=all_files>{files}</td>
            <td class="pivots">{pivot::value_pivots(ctx, ioc)}</td>
        </tr>
    }
}

/// Ontology-only values show "unknown": the ontology predates the server's safelist check.
fn safelist_cell(ioc: &Ioc) -> Option<AnyView> {
    if ioc.safelisted {
        Some(view! { <span class="safelisted">"✓ safelisted"</span> }.into_any())
    } else if !ioc.safelist_known {
        Some(view! { <span class="safelist-unknown" title="Ontology records are written before Assemblyline checks its safelist">"unknown"</span> }.into_any())
    } else {
        None
    }
}

/// The first few items, then "+N more".
/// The text a cell's tooltip lists: the first `ON_HOVER` items, one a line, then how many
/// more. A value seen in thousands of submissions would otherwise put tens of kilobytes in
/// every row it draws; the whole list is one Search in Assemblyline away.
fn hover_list<'a>(items: impl ExactSizeIterator<Item = &'a String>) -> String {
    let total = items.len();
    let mut text = items.take(ON_HOVER).cloned().collect::<Vec<_>>().join("\n");
    if total > ON_HOVER {
        text.push_str(&format!("\n… and {} more", total - ON_HOVER));
    }
    text
}

/// The first `LISTED` items (links back to Assemblyline), then "+N more".
fn listed(items: impl ExactSizeIterator<Item = AnyView>) -> impl IntoView {
    let total = items.len();
    let shown = items
        .take(LISTED)
        .enumerate()
        .map(|(k, item)| view! { {(k > 0).then_some(", ")}{item} })
        .collect_view();
    view! { {shown}{(total > LISTED).then(|| format!(" +{} more", total - LISTED))} }
}
