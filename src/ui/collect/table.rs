//! The preview: every qualifying file, in a windowed table — only the rows in view are drawn,
//! so it stays quick with thousands of files, yet every file can be scrolled to, sorted and
//! filtered.

use std::cmp::Ordering;

use leptos::prelude::*;

use super::LiveBoard;
use crate::core::collect::{Candidate, Collection};
use crate::core::units::size;
use crate::ui::links::{short_sha256, sid_link};
use crate::ui::verdict::score_chip;

/// Fixed row height in pixels (the stylesheet sets the same): a row's place is its index
/// times this, so the window is found without measuring anything.
const ROW_PX: usize = 30;
/// Rows drawn beyond the visible ones, so fast scrolling shows no gap.
const OVERSCAN: usize = 10;
/// Rows visible in the scroll box (its height in the stylesheet is ROW_PX × this).
const VISIBLE: usize = 20;
/// The shortest time between two redraws of the rows while a run fills them. Files arrive
/// anywhere in the score order, so each redraw moves most drawn rows and lays them out again:
/// 30–80 ms at the progress's pace (four a second), in which the page's thread started no
/// call. Sorting, filtering and scrolling still redraw at once, and a run's end draws at once.
const REDRAW_MS: f64 = 1000.0;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Column {
    Sha256,
    Names,
    Type,
    Size,
    Score,
    Submissions,
}

impl Column {
    fn label(self) -> &'static str {
        match self {
            Column::Sha256 => "sha256",
            Column::Names => "Names",
            Column::Type => "Type",
            Column::Size => "Size",
            Column::Score => "Score",
            Column::Submissions => "Submissions (score)",
        }
    }

    fn compare(self, a: &Candidate, b: &Candidate) -> Ordering {
        match self {
            Column::Sha256 => a.sha256.cmp(&b.sha256),
            Column::Names => a.names.cmp(&b.names),
            Column::Type => a.file_type.cmp(&b.file_type),
            Column::Size => a.size.cmp(&b.size),
            Column::Score => a.score.cmp(&b.score),
            Column::Submissions => a.submissions.len().cmp(&b.submissions.len()),
        }
        .then_with(|| a.sha256.cmp(&b.sha256))
    }
}

/// One drawn row, copied out of the state so the view holds no borrow.
#[derive(Clone, PartialEq)]
struct Row {
    key: String,
    sha256: String,
    names: String,
    file_type: String,
    size: u64,
    score: i64,
    partial: bool,
    already_collected: bool,
    /// (sid, score) where the file qualified.
    sids: Vec<(String, i64)>,
}

impl Row {
    fn of(c: &Candidate) -> Row {
        Row {
            // Keyed on what a row shows: a row redraws when its file's entry changed.
            key: format!(
                "{}:{}:{}:{}:{}",
                c.sha256,
                c.score,
                c.names.len(),
                c.submissions.len(),
                c.partial
            ),
            sha256: c.sha256.clone(),
            names: c.names.join(", "),
            file_type: c.file_type.clone(),
            size: c.size,
            score: c.score,
            partial: c.partial,
            already_collected: c.already_collected,
            sids: c
                .submissions
                .iter()
                .map(|s| (s.sid.clone(), s.score))
                .collect(),
        }
    }
}

/// "sid (score), …", for a cell's full text on hover.
fn sids_text(sids: &[(String, i64)]) -> String {
    sids.iter()
        .map(|(sid, score)| format!("{sid} ({score})"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn matches(c: &Candidate, needle: &str) -> bool {
    let has = |text: &str| text.to_lowercase().contains(needle);
    has(&c.sha256)
        || has(&c.file_type)
        || c.names.iter().any(|n| has(n))
        || c.submissions.iter().any(|s| has(&s.sid))
}

/// Rows `from..from + count` of the view, and how many rows the view has. The default view
/// (best score first, no filter) is the state's own ranking: no sorting at all.
fn window(
    c: &Collection,
    sort: (Column, bool),
    filter: &str,
    from: usize,
    count: usize,
) -> (usize, Vec<Row>) {
    let needle = filter.trim().to_lowercase();
    if sort == (Column::Score, true) && needle.is_empty() {
        let rows = c.ranked().skip(from).take(count).map(Row::of).collect();
        return (c.totals().files, rows);
    }
    let mut view: Vec<&Candidate> = c
        .found()
        .iter()
        .filter(|f| needle.is_empty() || matches(f, &needle))
        .collect();
    let (column, descending) = sort;
    view.sort_by(|a, b| {
        let o = column.compare(a, b);
        if descending {
            o.reverse()
        } else {
            o
        }
    });
    let total = view.len();
    let rows = view
        .into_iter()
        .skip(from)
        .take(count)
        .map(Row::of)
        .collect();
    (total, rows)
}

#[component]
pub fn FileTable(live: LiveBoard) -> impl IntoView {
    let sort = RwSignal::new((Column::Score, true));
    let filter = RwSignal::new(String::new());
    let first_row = RwSignal::new(0usize);
    let live = live.every(REDRAW_MS);
    let found = move || live.with(|b| b.collection.totals().files);
    let shown = Memo::new(move |_| {
        let from = first_row.get().saturating_sub(OVERSCAN);
        let count = VISIBLE + 2 * OVERSCAN;
        let (total, rows) =
            live.with(|b| filter.with(|f| window(&b.collection, sort.get(), f, from, count)));
        (total, from, rows)
    });
    let on_scroll = move |ev: leptos::ev::Event| {
        let top = event_target::<web_sys::Element>(&ev).scroll_top().max(0) as usize;
        let row = top / ROW_PX;
        if row != first_row.get_untracked() {
            first_row.set(row);
        }
    };
    let header = move |column: Column| {
        let state = move || match sort.get() {
            (c, true) if c == column => "descending",
            (c, false) if c == column => "ascending",
            _ => "none",
        };
        view! {
            <th aria-sort=state>
                <button type="button" class="sort" on:click=move |_| sort.update(|s| {
                    *s = if s.0 == column { (column, !s.1) } else { (column, matches!(column, Column::Score | Column::Size | Column::Submissions)) };
                })>{column.label()}</button>
            </th>
        }
    };
    view! {
        <Show when=move || { found() > 0 }>
            <div class="table-tools">
                <label for="file-filter">"Filter files"</label>
                <input id="file-filter" type="search" placeholder="sha256, name, type or SID"
                    prop:value=move || filter.get()
                    on:input=move |ev| { filter.set(event_target_value(&ev)); first_row.set(0); } />
            </div>
            <div class="table-scroll" on:scroll=on_scroll>
                <table class="files">
                    <caption>{move || {
                        let (total, _, _) = shown.get();
                        let all = found();
                        if total == all { format!("{all} files qualify") } else { format!("{all} files qualify, {total} match the filter") }
                    }}</caption>
                    <thead><tr>
                        {header(Column::Sha256)} {header(Column::Names)} {header(Column::Type)}
                        {header(Column::Size)} {header(Column::Score)} {header(Column::Submissions)}
                    </tr></thead>
                    <tbody>
                        <tr class="spacer" aria-hidden="true" style:height=move || format!("{}px", shown.with(|s| s.1) * ROW_PX)></tr>
                        <For each=move || shown.get().2 key=|row| row.key.clone() let:row>
                            <tr>
                                <td class="sha">{short_sha256(&row.sha256)}</td>
                                <td class="value" title=row.names.clone()>{row.names.clone()}</td>
                                <td>{row.file_type.clone()}</td>
                                <td class="num" title=format!("{} bytes", row.size)>{size(row.size)}</td>
                                <td class="num">{score_chip(row.score)}{row.partial.then_some(" (partial)")}{row.already_collected.then_some(" (already collected)")}</td>
                                <td class="mono" title=sids_text(&row.sids)>
                                    {row.sids.iter().enumerate().map(|(k, (sid, score))| view! {
                                        {(k > 0).then_some(", ")}{sid_link(sid)}" "{score_chip(*score)}
                                    }).collect_view()}
                                </td>
                            </tr>
                        </For>
                        <tr class="spacer" aria-hidden="true" style:height=move || shown.with(|(total, from, rows)| {
                            format!("{}px", total.saturating_sub(from + rows.len()) * ROW_PX)
                        })></tr>
                    </tbody>
                </table>
            </div>
        </Show>
    }
}
