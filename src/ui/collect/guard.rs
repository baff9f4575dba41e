use leptos::prelude::*;

use super::LiveBoard;
use crate::core::units::size;
use crate::run::collect::Control;

/// Collect zip reached the size the user set: nothing more downloads until they say to go
/// on or to stop here. Scanning goes on meanwhile, so the preview keeps filling in.
#[component]
pub fn GuardQuestion(
    live: LiveBoard,
    control: StoredValue<Control, LocalStorage>,
) -> impl IntoView {
    let limit = move || live.with(|b| b.collection.guard_tripped());
    let go_on = move |_| {
        live.update(|b| b.collection.lift_guard());
        control.with_value(Control::wake);
    };
    let stop_here = move |_| {
        live.update(|b| {
            let words = match b.collection.guard_tripped() {
                Some(limit) => format!(
                    "Stopped at the size you set ({}): Retry failed collects the rest.",
                    size(limit)
                ),
                None => "Stopped at the size you set: Retry failed collects the rest.".into(),
            };
            b.stop_with(words);
        });
        control.with_value(Control::cancel);
    };
    move || {
        limit().map(|limit| {
            let (files, admitted, waiting) = live.with(|b| {
                let p = b.collection.progress();
                (p.downloaded + p.in_flight, p.admitted_bytes, p.queued)
            });
            view! {
                <div class="guard" role="alertdialog" aria-labelledby="guard-words">
                    <p id="guard-words"><strong>{format!(
                        "This collection has reached {} ({files} files); the next file would take it past the {} you set. \
                         {waiting} more files are waiting.",
                        size(admitted), size(limit)
                    )}</strong></p>
                    <div class="buttons">
                        <button type="button" class="primary" on:click=go_on>"Continue"</button>
                        <button type="button" on:click=stop_here>"Stop here"</button>
                    </div>
                </div>
            }
        })
    }
}
