use leptos::prelude::*;

use super::LiveBoard;
use crate::ui::links::sid_link;

/// Notes drawn at once; the manifest lists them all.
const SHOWN: usize = 200;
/// Up to this many notes are shown open; more fold under their summary line.
const OPEN_UP_TO: usize = 5;

/// One summary line for the submissions whose files may not all be there (hidden by
/// classification, still running, records missing, deleted), expandable to one line each.
#[component]
pub fn SubmissionNotes(live: LiveBoard) -> impl IntoView {
    // Rebuilt only when a note is added, changed or cleared: not at every tree of a run.
    let key = Memo::new(move |_| {
        live.with(|b| {
            let c = &b.collection;
            (c.notes_count(), c.notes_version())
        })
    });
    let notes = Memo::new(move |_| {
        let (count, _) = key.get();
        if count == 0 {
            Vec::new()
        } else {
            live.peek(|b| b.collection.notes())
        }
    });
    let count = move || key.get().0;
    view! {
        <Show when=move || { count() > 0 }>
            <details class="notes" open=move || count() <= OPEN_UP_TO>
                <summary>{move || match count() {
                    1 => "1 submission may not show every file:".to_string(),
                    n => format!("{n} submissions may not show every file:"),
                }}</summary>
                <ul>
                    {move || notes.with(|all| {
                        let more = all.len().saturating_sub(SHOWN);
                        view! {
                            {all.iter().take(SHOWN).map(|n| view! { <li>"Submission " {sid_link(&n.sid)} {format!(": {}.", n.words())}</li> }).collect_view()}
                            {(more > 0).then(|| view! { <li class="more">{format!("… and {more} more, all listed in the zip's manifest.json")}</li> })}
                        }
                    })}
                </ul>
            </details>
        </Show>
    }
}
