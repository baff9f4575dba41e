//! Filters, copy and export. Copies follow the Defang toggle; exports carry raw values and
//! cover what the filters show, except Export JSON (the seed scripts' full shape).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{misp::MispNote, with_set, Shared};
use crate::core::download_origin::{
    downloads_may_be_blocked, no_download_hint, BLOCKED_DOWNLOADS_WARNING,
};
use crate::core::export::{plain_text, LeftOut};
use crate::core::ioc::Ioc;
use crate::core::ioc_export::{ExportJob, ExportKind as Export};
use crate::core::ioc_query::VERDICT_CHOICES;
use crate::ui::Connection;
use crate::web::clipboard::copy_text;
use crate::web::frame::next_turn;
use crate::web::save::TextParts;
use crate::web::{now_iso, random_16};

/// Values written between two turns given to the browser: a few milliseconds of work.
const SLICE: usize = 2000;

#[component]
pub fn Actions() -> impl IntoView {
    let ctx = expect_context::<Shared>();
    let connection = expect_context::<Connection>();
    let left_out = RwSignal::new(Vec::<LeftOut>::new());
    let export = move |kind| move |_| save(ctx, connection, kind, left_out);
    view! {
        <div class="filters">
            <label for="ioc-filter">"Filter"</label>
            <input id="ioc-filter" type="text" placeholder="text in the value or type" bind:value=ctx.text
                on:change=move |ev| ctx.text.set(event_target_value(&ev)) />
            <label for="ioc-verdict">"Verdict"</label>
            <select id="ioc-verdict" bind:value=ctx.verdict>
                {VERDICT_CHOICES.iter().map(|(value, label)| view! { <option value=*value>{*label}</option> }).collect_view()}
            </select>
            <span class="check">
                <input id="ioc-hide-safelisted" type="checkbox" bind:checked=ctx.hide_safelisted />
                <label for="ioc-hide-safelisted">"Hide safelisted"</label>
            </span>
        </div>
        <div class="buttons ioc-actions">
            <span class="check">
                <input id="ioc-defang" type="checkbox" bind:checked=ctx.defang />
                <label for="ioc-defang">"Defang"</label>
            </span>
            <button type="button" on:click=move |_| copy_values(ctx, None)>"Copy all"</button>
            <button type="button" on:click=export(Export::Json)>"Export JSON"</button>
            <button type="button" on:click=export(Export::Csv)>"Export CSV"</button>
            <button type="button" on:click=export(Export::Misp)>"Export MISP CSV"</button>
            <button type="button" on:click=export(Export::Stix)>"Export STIX"</button>
        </div>
        <p class="hint">
            "Copies are one value per line, defanged while Defang is on. Exports always carry raw "
            "values. CSV, MISP CSV and STIX hold what the filters show; Export JSON holds every value "
            "of every type, safelisted ones too, in the seed script's {type: [values]} shape."
        </p>
        {blocked_here().then(|| view! { <p class="warning blocked-downloads">{BLOCKED_DOWNLOADS_WARNING}</p> })}
        <MispNote left_out=left_out />
    }
}

/// True where the browser may refuse the exports this page saves.
fn blocked_here() -> bool {
    downloads_may_be_blocked(&crate::web::page_origin())
}

/// Copies the visible values of one type, or of all types, one per line.
pub fn copy_values(ctx: Shared, tag_type: Option<String>) {
    let defanged = ctx.defang.get_untracked();
    let (text, count) = with_set(&ctx, |set| {
        let filter = ctx.filter.get_untracked();
        let iocs: Vec<&Ioc> = match &tag_type {
            Some(t) => set
                .groups(&filter)
                .into_iter()
                .find(|g| g.tag_type == t)
                .map(|g| g.iocs)
                .unwrap_or_default(),
            None => set.visible(&filter),
        };
        (plain_text(&iocs, defanged), iocs.len())
    });
    ctx.trouble.set(None);
    if count == 0 {
        return ctx.notice.set(Some(
            "Nothing to copy: the filters hide every value.".into(),
        ));
    }
    let how = if defanged { "defanged" } else { "raw" };
    spawn_local(async move {
        match copy_text(&text).await {
            Ok(()) => ctx
                .notice
                .set(Some(format!("Copied {count} values ({how})."))),
            Err(e) => {
                ctx.notice.set(None);
                ctx.trouble.set(Some(e));
            }
        }
    });
}

/// Writes the export a slice at a time (`ExportJob`), giving the browser a turn between
/// slices, then saves it. A set that fits one slice is saved within the click itself.
fn save(ctx: Shared, connection: Connection, kind: Export, misp_left_out: RwSignal<Vec<LeftOut>>) {
    let now = now_iso();
    let user = connection
        .whoami
        .with_untracked(|w| w.as_ref().map(|w| w.username.clone()))
        .unwrap_or_else(|| "unknown".into());
    let server = connection
        .transport
        .with_untracked(|t| t.as_ref().map(|t| t.server.origin()))
        .unwrap_or_else(|| "unknown".into());
    let date = now.get(..10).unwrap_or("undated").to_string();
    let (name, mime) = match kind {
        Export::Json => (format!("al-iocs-{date}.json"), "application/json"),
        Export::Csv => (format!("al-iocs-{date}.csv"), "text/csv"),
        Export::Misp => (format!("al-iocs-{date}-misp.csv"), "text/csv"),
        Export::Stix => (format!("al-iocs-{date}-stix.json"), "application/json"),
    };
    let mut job = with_set(&ctx, |set| {
        ExportJob::new(kind, set, &ctx.filter.get_untracked(), &now, &user, &server)
    });
    ctx.trouble.set(None);
    let parts = TextParts::new();
    if with_set(&ctx, |set| job.step(set, SLICE, &mut random_16)) {
        return finish(ctx, job, parts, &name, mime, misp_left_out);
    }
    parts.push(&job.take_text());
    ctx.notice
        .set(Some(format!("Preparing {name} ({} values)…", job.values())));
    spawn_local(async move {
        loop {
            next_turn().await;
            if with_set(&ctx, |set| job.step(set, SLICE, &mut random_16)) {
                break;
            }
            parts.push(&job.take_text());
        }
        finish(ctx, job, parts, &name, mime, misp_left_out);
    });
}

fn finish(
    ctx: Shared,
    mut job: ExportJob,
    parts: TextParts,
    name: &str,
    mime: &str,
    misp_left_out: RwSignal<Vec<LeftOut>>,
) {
    // MISP CSV counts the attributes it wrote; values MISP would refuse are listed apart.
    let count = if job.kind() == Export::Misp {
        misp_left_out.set(job.left_out().to_vec());
        job.rows()
    } else {
        job.values()
    };
    parts.push(&job.take_text());
    let (head, rest) = job.finish_parts();
    match parts.save(&head, &rest, name, mime) {
        // Handed to the browser, which may still refuse it where this origin makes that likely.
        Ok(()) => ctx.notice.set(Some(if blocked_here() {
            format!(
                "Saved {name} ({count} values) to the browser. {}",
                no_download_hint(true)
            )
        } else {
            format!("Saved {name} ({count} values).")
        })),
        Err(e) => {
            ctx.notice.set(None);
            ctx.trouble.set(Some(format!("Could not save {name}: {e}")));
        }
    }
}
