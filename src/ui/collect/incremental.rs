//! Incremental collection: a previous run's manifest (or zip) whose files are skipped, and how
//! far back the query looks.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::collect::previous::{PreviousRun, Since};
use crate::web::files::read_previous;

/// The form rows: Previous manifest (file input, drop a file on it too) and Since.
#[component]
pub fn Incremental(
    previous: RwSignal<Option<PreviousRun>>,
    since: RwSignal<Since>,
    error: RwSignal<Option<String>>,
    #[prop(into)] on_since: Callback<Since>,
) -> impl IntoView {
    let loaded_from = RwSignal::new(String::new());
    let load = move |file: web_sys::File| {
        let name = file.name();
        spawn_local(async move {
            match read_previous(&file).await {
                Ok(run) => {
                    previous.set(Some(run));
                    loaded_from.set(name);
                    error.set(None);
                    // A Since that follows the previous run moves with the new one.
                    on_since.run(since.get_untracked());
                }
                // A bad or foreign file changes nothing: the manifest chosen before stays.
                Err(words) => error.set(Some(format!("Previous manifest: {words}"))),
            }
        });
    };
    let on_change = move |ev: leptos::ev::Event| {
        let input = event_target::<web_sys::HtmlInputElement>(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            load(file);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            load(file);
        }
    };
    let status = move || {
        previous.with(|p| match p {
            None => "Files a previous collection holds are skipped: choose its manifest.json or zip, or drop it here.".to_string(),
            Some(run) => format!(
                "{}: {} files collected, finished {}; they are skipped.",
                loaded_from.get(),
                run.files.len(),
                run.finished
            ),
        })
    };
    view! {
        <label for="previous-manifest">"Previous manifest"</label>
        <span class="previous" on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
            <input id="previous-manifest" type="file" accept=".json,.zip,application/json,application/zip"
                on:change=on_change />
            <span class="hint">{status}</span>
        </span>
        <label for="since">"Since"</label>
        <select id="since" on:change=move |ev| on_since.run(Since::from_key(&event_target_value(&ev)))>
            {Since::ALL.map(|s| view! {
                <option value=s.key()
                    disabled=move || s == Since::PreviousRun && previous.with(Option::is_none)
                    selected=move || since.get() == s>{s.label()}</option>
            })}
        </select>
    }
}
