use leptos::prelude::*;

use crate::web::collection::CollectionSignal;

/// Rows drawn at once: the preview stays quick with thousands of files; totals cover all.
const SHOWN: usize = 500;

/// The preview: every qualifying file, best score first, before anything downloads.
#[component]
pub fn FileTable(state: CollectionSignal) -> impl IntoView {
    let rows = move || {
        state.with(|c| {
            c.candidates()
                .into_iter()
                .take(SHOWN)
                .map(|f| {
                    let sids = f
                        .submissions
                        .iter()
                        .map(|s| format!("{} ({})", s.sid, s.score))
                        .collect::<Vec<_>>()
                        .join(", ");
                    view! {
                        <tr>
                            <td class="sha">{f.sha256.clone()}</td>
                            <td class="value">{f.names.join(", ")}</td>
                            <td>{f.file_type.clone()}</td>
                            <td class="num">{f.size}</td>
                            <td class="num">{f.score} {f.partial.then_some(" (partial)")}</td>
                            <td class="mono">{sids}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    let total = move || state.with(|c| c.candidates().len());
    view! {
        <Show when=move || { total() > 0 }>
            <table class="files">
                <caption>{move || format!("{} files qualify", total())}
                    {move || (total() > SHOWN).then(|| format!(" (first {SHOWN} shown; the zip holds all)"))}</caption>
                <thead><tr><th>"sha256"</th><th>"Names"</th><th>"Type"</th><th>"Size (bytes)"</th><th>"Score"</th><th>"Submissions (score)"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </Show>
    }
}
