//! Scores as the official Assemblyline UI shows them: a chip coloured by the verdict the
//! score earns on this server (`VerdictThresholds::score_verdict`), named as that UI names
//! it (assemblyline-ui-frontend `src/components/visual/Verdict.tsx`, `WrappedVerdict`:
//! tooltip "<verdict> [Score: <score>]"). The colours are in the stylesheet.

use leptos::prelude::*;

use super::Connection;
use crate::core::verdicts::{verdict_label, VerdictThresholds};

/// The connected server's verdict steps (its whoami), or Assemblyline's defaults.
fn thresholds() -> VerdictThresholds {
    use_context::<Connection>()
        .and_then(|s| {
            s.transport
                .with_untracked(|t| t.as_ref().map(|t| t.verdicts()))
        })
        .unwrap_or_default()
}

/// `score` in a chip of its verdict's colour; the verdict in words for screen readers and
/// on hover, so the colour is never the only sign.
pub fn score_chip(score: i64) -> impl IntoView {
    let verdict = thresholds().score_verdict(score);
    let label = verdict_label(verdict);
    view! {
        <span class=format!("verdict score {}", verdict.as_str()) title=format!("{label} [Score: {score}]")>
            {score}<span class="sr-text">{format!(" ({label})")}</span>
        </span>
    }
}
