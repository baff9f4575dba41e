//! One tag type: a header with its count and copy button, then its first values as a table.
//! Values are server strings from malware: text nodes only.

use leptos::prelude::*;

use super::{actions, Shared};
use crate::core::ioc::{Filter, Ioc, IocSet};
use crate::core::ioc_query::verdict_words;

/// Values rendered per group before "Show N more": keeps 10,000 values responsive.
const PAGE: usize = 100;
/// Submissions and files listed per value before "+N more".
const LISTED: usize = 5;

/// A group as the view needs it: owned, so a memo can hold it. Values stay in the set.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupView {
    pub tag_type: String,
    pub total: usize,
    pub values: Vec<String>,
}

pub fn views(set: &IocSet, filter: &Filter) -> Vec<GroupView> {
    set.groups(filter)
        .into_iter()
        .map(|g| GroupView {
            tag_type: g.tag_type.to_string(),
            total: g.total,
            values: g.iocs.iter().map(|i| i.value.clone()).collect(),
        })
        .collect()
}

#[component]
pub fn GroupBox(tag_type: String) -> impl IntoView {
    let ctx = expect_context::<Shared>();
    let limit = RwSignal::new(PAGE);
    let t = tag_type.clone();
    let counts = Memo::new(move |_| {
        ctx.groups.with(|gs| {
            gs.iter()
                .find(|g| g.tag_type == t)
                .map(|g| (g.values.len(), g.total))
                .unwrap_or_default()
        })
    });
    let t = tag_type.clone();
    let rows = move || {
        let shown = limit.get();
        ctx.groups.with(|gs| {
            let Some(g) = gs.iter().find(|g| g.tag_type == t) else {
                return Vec::new();
            };
            ctx.run.set.with(|set| {
                g.values
                    .iter()
                    .take(shown)
                    .filter_map(|v| set.get(&t, v))
                    .map(row)
                    .collect::<Vec<_>>()
            })
        })
    };
    let t = tag_type.clone();
    let more = move || {
        let left = counts.get().0.saturating_sub(limit.get());
        (left > 0).then(|| {
            let next = left.min(PAGE);
            view! {
                <button type="button" class="secondary more" on:click=move |_| limit.update(|l| *l += PAGE)>
                    {format!("Show {next} more {t} values ({left} not shown)")}
                </button>
            }
        })
    };
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
    view! {
        <section class="group" aria-label=tag_type.clone()>
            <header>
                <h3>{tag_type.clone()}</h3>
                <span class="count">{count_words}</span>
                <button type="button" class="secondary" disabled=move || counts.get().0 == 0 on:click=copy>
                    {format!("Copy {tag_type}")}
                </button>
            </header>
            <Show when=move || counts.get().0 != 0>
                <table class="iocs">
                    <thead>
                        <tr>
                            <th>"Value"</th><th>"Verdict"</th><th>"Safelisted"</th>
                            <th>"Classification"</th><th>"Submissions"</th><th>"Source files"</th>
                        </tr>
                    </thead>
                    <tbody>{rows.clone()}</tbody>
                </table>
            </Show>
            {more}
        </section>
    }
}

fn row(ioc: &Ioc) -> impl IntoView {
    let verdict = ioc.verdict;
    let sids = listed(ioc.sids.iter().cloned());
    let files = listed(
        ioc.files
            .iter()
            .map(|f| f.chars().take(12).collect::<String>() + "…"),
    );
    let all_files = ioc.files.iter().cloned().collect::<Vec<_>>().join("\n");
    view! {
        <tr>
            <td class="value">{ioc.value.clone()}</td>
            <td><span class=format!("verdict {}", verdict.as_str())>{verdict_words(verdict)}</span></td>
            <td>{safelist_cell(ioc)}</td>
            <td>{ioc.classification.clone()}</td>
            <td class="mono">{sids}</td>
            <td class="mono" title=all_files>{files}</td>
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
fn listed(items: impl ExactSizeIterator<Item = String>) -> String {
    let total = items.len();
    let mut text = items.take(LISTED).collect::<Vec<_>>().join(", ");
    if total > LISTED {
        text.push_str(&format!(" +{} more", total - LISTED));
    }
    text
}
