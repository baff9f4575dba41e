//! One submission of an IoC load: its summary or ontology merged into the shown set as it
//! arrives, and what its answer says besides its values.

use crate::core::api::{SearchPage, SubmissionHit, Summary};
use crate::core::error::ApiError;
use crate::core::ioc_query::Source;
use crate::core::status::{files_without_ontology, SubmissionNote};
use crate::web::frame::Shared;
use crate::web::http::{Cancel, Transport};

use crate::core::ioc::IocSet;

/// What one submission's answer says besides its values: why it may not hold them all, and
/// how many files the ontology left out that the summary names.
pub(super) struct Loaded {
    pub(super) note: Option<SubmissionNote>,
    pub(super) ontology_gap: usize,
}

/// How many submissions the query matches in all; None when the count itself failed (the
/// status line then says only that there may be more).
pub(super) async fn count(t: &Transport, query: &str, cancel: &Cancel) -> Option<u64> {
    t.json::<SearchPage<SubmissionHit>>(t.server.count_submissions(query), cancel)
        .await
        .ok()
        .and_then(|page| page.total)
}

/// Loads one submission into `set`, with a note when its answer may not hold
/// every value. `state` is the search hit's; without it the submission record is asked only
/// when `partial` needs it.
pub(super) async fn load_submission(
    t: &Transport,
    sid: &str,
    source: Source,
    state: Option<String>,
    cancel: &Cancel,
    set: &Shared<IocSet>,
) -> Result<Loaded, ApiError> {
    let summary = t.json::<Summary>(t.server.summary(sid), cancel);
    match source {
        Source::Summary => {
            let summary = summary.await?;
            set.update(|set| set.add_summary(sid, &summary));
            let note = note(t, sid, &summary, state, cancel).await?;
            Ok(Loaded {
                note,
                ontology_gap: 0,
            })
        }
        Source::Ontology => {
            // The ontology has no flags and no safelist: the same submission's summary brings
            // both, so it comes first; then values appear as the lines arrive.
            let summary = summary.await.ok();
            let mut records = Vec::new();
            t.ontology_records(t.server.ontology(sid), cancel, |record| {
                set.update(|set| {
                    set.add_ontology_with_summary(
                        sid,
                        std::slice::from_ref(&record),
                        summary.as_ref(),
                    )
                });
                records.push(record);
            })
            .await?;
            let note = match &summary {
                Some(summary) => note(t, sid, summary, state, cancel).await?,
                None => None,
            };
            let ontology_gap = summary
                .as_ref()
                .map_or(0, |s| files_without_ontology(s, &records));
            Ok(Loaded { note, ontology_gap })
        }
    }
}

/// The note for `summary`, asking the submission record for its state only when `partial`
/// needs it. A failed lookup words the note without the state, unless the failure ends the
/// whole load (daily quota, revoked key): that is never swallowed.
async fn note(
    t: &Transport,
    sid: &str,
    summary: &Summary,
    state: Option<String>,
    cancel: &Cancel,
) -> Result<Option<SubmissionNote>, ApiError> {
    let state = if SubmissionNote::needs_state(state.as_deref(), summary.partial, summary.filtered)
    {
        match t
            .json::<SubmissionHit>(t.server.submission(sid), cancel)
            .await
        {
            Ok(record) => record.state,
            Err(e) if e.stops_run() || e == ApiError::Aborted => return Err(e),
            Err(_) => None,
        }
    } else {
        state
    };
    Ok(summary.note(sid, state.as_deref()))
}
