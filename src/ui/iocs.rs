//! The Network IoC view: the form (Submission IDs, Query, Source), its loads (`run::iocs`),
//! and the results.

mod actions;
mod group;
mod misp;
mod pivot;
mod results;

use leptos::prelude::*;

use super::live::Live;
use super::{Connection, ErrorLine};
use crate::core::ioc::{Filter, IocSet};
use crate::core::ioc_query::{
    self, parse_source, plan, source_param, verdict_filter, DeepLink, DEFAULT_CAP,
};
use crate::run::iocs::{IocBoard, IocLoader, LoadStatus};
use crate::web::{deep_link, focus, page_origin};

use group::GroupView;

/// Everything the result components share, provided as context.
#[derive(Clone, Copy)]
struct Shared {
    /// What the loads wrote, each part read at its own redraws.
    status: Live<LoadStatus>,
    values: Live<IocSet>,
    loader: StoredValue<IocLoader, LocalStorage>,
    /// Filter controls, and the filter and groups they make.
    text: RwSignal<String>,
    verdict: RwSignal<String>,
    hide_safelisted: RwSignal<bool>,
    filter: Memo<Filter>,
    groups: Memo<Vec<GroupView>>,
    defang: RwSignal<bool>,
    /// Copy/export feedback (status) and failure (error).
    notice: RwSignal<Option<String>>,
    trouble: RwSignal<Option<String>>,
}

#[component]
pub fn IocPanel() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let link = deep_link::read();
    let sids_text = RwSignal::new(link.sids.join("\n"));
    let query = RwSignal::new(link.query.clone());
    let cap_text = RwSignal::new(link.cap.to_string());
    let source_text = RwSignal::new(source_param(link.source).to_string());
    let link_server = Some(link.server.clone()).filter(|s| !s.is_empty() && *s != page_origin());
    let form_error = RwSignal::new(None::<String>);

    let text = RwSignal::new(String::new());
    let verdict = RwSignal::new("all".to_string());
    let hide_safelisted = RwSignal::new(true);
    let board = IocBoard::new();
    let (status, values) = (
        Live::new(board.status.clone()),
        Live::new(board.values.clone()),
    );
    let loader = StoredValue::new_local(IocLoader::new(board));
    let filter = Memo::new(move |_| Filter {
        text: text.get(),
        verdicts: verdict_filter(&verdict.get()),
        hide_safelisted: hide_safelisted.get(),
    });
    // Recomputed at the values' redraws while a load merges, and holds handles only: rows
    // are looked up when drawn.
    let groups = Memo::new(move |_| {
        let filter = filter.get();
        values.with(|set| group::views(set, &filter))
    });
    provide_context(Shared {
        status,
        values,
        loader,
        text,
        verdict,
        hide_safelisted,
        filter,
        groups,
        defang: RwSignal::new(true),
        notice: RwSignal::new(None),
        trouble: RwSignal::new(None),
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form_error.set(None);
        let Some(transport) = connection.transport.get_untracked() else {
            return form_error.set(Some(CONNECT_FIRST.into()));
        };
        let plan = match plan(
            &sids_text.get_untracked(),
            &query.get_untracked(),
            &cap_text.get_untracked(),
        ) {
            Ok(plan) => plan,
            Err(e) => return form_error.set(Some(e)),
        };
        let source = parse_source(&source_text.get_untracked());
        let origin = transport.server.origin();
        let deep = DeepLink {
            sids: plan.sids.sids.clone(),
            query: plan.query.clone().unwrap_or_default(),
            cap: plan.cap,
            source,
            server: if origin == page_origin() {
                String::new()
            } else {
                origin
            },
        };
        loader.get_value().start(transport, plan, source, move || {
            deep_link::write(&deep);
            focus::return_focus("#ioc-show", RESULTS);
        });
        // The button disables itself: keep the keyboard in the results while the load goes.
        focus::focus_soon(RESULTS);
    };
    let busy = Memo::new(move |_| status.with(|s| s.busy));
    let connected_to = move || {
        connection
            .transport
            .with(|t| t.as_ref().map(|t| t.server.origin()))
    };

    view! {
        <Show when=move || !connection.is_connected()>
            <p class="warning">
                "Connect first: open the " <strong>"Server"</strong>
                " tab, enter your user name and API key, and press Connect."
            </p>
        </Show>
        {link_server.map(|server| {
            let shown = server.clone();
            let other = move || connected_to().filter(|o| *o != server);
            view! {
                <p class="warning link-server">
                    "This link was made for the server " <code>{shown}</code> ". "
                    {move || match other() {
                        Some(now) => format!("You are connected to {now}: the IDs may not exist there."),
                        None => "Connect to it on the Server tab — only if it is an Assemblyline server you trust with your key.".to_string(),
                    }}
                </p>
            }
        })}
        <form class="query iocs-form" on:submit=on_submit autocomplete="off" novalidate>
            <label for="ioc-sids">"Submission IDs"</label>
            <textarea id="ioc-sids" bind:value=sids_text spellcheck="false"
                placeholder="One or more submission IDs, separated by spaces, commas or new lines"></textarea>
            <label for="ioc-query">"Query"</label>
            <input id="ioc-query" type="text" bind:value=query spellcheck="false"
                placeholder="optional submission search, e.g. max_score:>=1000" />
            <label for="ioc-cap">"Max submissions"</label>
            <input id="ioc-cap" type="number" min="1" max=ioc_query::MAX_CAP.to_string()
                placeholder=DEFAULT_CAP.to_string() bind:value=cap_text />
            <label for="ioc-source">"Source"</label>
            <select id="ioc-source" bind:value=source_text>
                <option value="summary" selected=move || source_text.get() != "ontology">"Summary"</option>
                <option value="ontology" selected=move || source_text.get() == "ontology">"Ontology"</option>
            </select>
            <p class="hint">
                "Summary: each submission's IoC tags with verdicts and safelist marks. "
                "Ontology: every network tag of every result (adds ports, URI paths, TLS…); verdict "
                "and safelist mark from the summary where it has the value, else the verdict from "
                "heuristic scores and safelist \"unknown\". A query adds up to Max "
                "submissions of its matches to the IDs above."
            </p>
            <div class="buttons">
                <button type="submit" id="ioc-show" disabled=move || busy.get()>"Show IoCs"</button>
                <Show when=move || busy.get()>
                    <button type="button" on:click=move |_| loader.with_value(IocLoader::cancel)>"Cancel"</button>
                </Show>
            </div>
        </form>
        <ErrorLine message=form_error />
        <results::Results />
    }
}

/// Where focus waits during a load (its status line announces the progress).
const RESULTS: &str = "#panel-iocs .ioc-results";

const CONNECT_FIRST: &str =
    "Connect first: open the Server tab, enter your user name and API key, and press Connect.";

/// The set the view shows, read without subscribing (click handlers).
fn with_set<R>(ctx: &Shared, f: impl FnOnce(&IocSet) -> R) -> R {
    ctx.values.peek(f)
}
