//! What MISP needs to read the MISP CSV, and the values it would not take as they are.

use leptos::prelude::*;

use crate::core::export::LeftOut;

/// The import settings, always shown; after an export, the values left out of it and why.
#[component]
pub fn MispNote(left_out: RwSignal<Vec<LeftOut>>) -> impl IntoView {
    let listed = move || {
        let values = left_out.get();
        (!values.is_empty()).then(|| {
            let count = values.len();
            view! {
                <p class="warning misp-left-out">
                    {format!(
                        "Left out of the MISP CSV: {count} {} MISP would refuse or change. \
                         They are in Export JSON and Export CSV.",
                        if count == 1 { "value" } else { "values" }
                    )}
                </p>
                <ul class="misp-left-out-list">
                    {values.into_iter().map(|v| view! {
                        <li><span class="value">{v.value}</span> " (" {v.tag_type} "): " {v.reason}</li>
                    }).collect_view()}
                </ul>
            }
        })
    };
    view! {
        <div class="misp-note">
            <p class="hint">
                "MISP CSV, in MISP: open the event, Populate from… → CSV Import, choose the file, "
                "tick " <strong>"has_header"</strong> " and leave header and special_delimiter empty. "
                "Columns: category, type, value, comment, to_ids (1 from suspicious up, never for safelisted values)."
            </p>
            {listed}
        </div>
    }
}
