//! One "Show IoCs" run: search (when a query is given), then every submission's summary or
//! ontology through the shared transport, a few at a time, merged into one `IocSet` as each
//! arrives. Per-submission failures become their own lines; the rest still load.

use std::collections::{HashMap, HashSet};

use futures::{stream, StreamExt};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::api::{OntologyRecord, SubmissionHit, Summary};
use crate::core::error::ApiError;
use crate::core::ioc::IocSet;
use crate::core::ioc_query::{failure_line, Plan, RunProgress as Progress, Source};
use crate::core::status::{files_without_ontology, ontology_gap_line, SubmissionNote};
use crate::web::http::{Cancel, Transport};
use crate::web::search::each_submission;
use crate::web::suffixes;

#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    Error(String),
    Partial(String),
    /// The run's values are complete but ordered less well (no public suffix list).
    Order(String),
}

#[derive(Clone, Copy)]
pub struct Run {
    pub set: RwSignal<IocSet>,
    pub notes: RwSignal<Vec<Note>>,
    pub progress: RwSignal<Option<Progress>>,
    pub busy: RwSignal<bool>,
    cancel: StoredValue<Option<Cancel>, LocalStorage>,
}

enum Got {
    Summary(Summary, Option<SubmissionNote>),
    /// With the same submission's summary when it loaded: its flags, verdicts and notes.
    Ontology(Vec<OntologyRecord>, Option<Summary>, Option<SubmissionNote>),
}

impl Run {
    pub fn new() -> Run {
        Run {
            set: RwSignal::new(IocSet::new()),
            notes: RwSignal::new(Vec::new()),
            progress: RwSignal::new(None),
            busy: RwSignal::new(false),
            cancel: StoredValue::new_local(None),
        }
    }

    pub fn cancel(&self) {
        if let Some(cancel) = self.cancel.get_value() {
            cancel.cancel();
        }
    }

    pub fn start(self, t: Transport, plan: Plan, source: Source, on_done: impl FnOnce() + 'static) {
        let cancel = Cancel::new();
        self.cancel.set_value(Some(cancel.clone()));
        self.busy.set(true);
        self.set.set(IocSet::new());
        self.notes
            .set(plan.sids.errors.iter().cloned().map(Note::Error).collect());
        spawn_local(async move {
            // Loading since the page answered; usually there long before a run starts.
            let list = suffixes::get().await;
            if let Err(why) = &list {
                self.note(Note::Order(format!("{why}. Domains are not grouped by registrable domain: they are sorted by their labels from the right (top-level domain first).")));
            }
            self.set
                .set(IocSet::with_suffixes(list.ok()).with_verdicts(t.verdicts()));
            let mut p = Progress::default();
            let mut sids = plan.sids.sids.clone();
            // Submission state from search hits: saves a call per partial submission. A sid in
            // here came from the search, so a 404 later means it was deleted since.
            let mut states: HashMap<String, Option<String>> = HashMap::new();
            if let Some(query) = &plan.query {
                p.searching = true;
                self.progress.set(Some(p.clone()));
                let mut seen: HashSet<String> = sids.iter().cloned().collect();
                let found = each_submission(&t, query, Some(plan.cap), &cancel, |hits| {
                    for hit in hits {
                        states.insert(hit.sid.clone(), hit.state.clone());
                        if seen.insert(hit.sid.clone()) {
                            sids.push(hit.sid.clone());
                        }
                    }
                })
                .await;
                p.searching = false;
                match found {
                    Ok(end) => p.capped_at = end.capped.then_some(plan.cap),
                    Err(ApiError::Aborted) => sids.clear(),
                    Err(e) => {
                        self.note(Note::Error(format!("Submission search: {e}")));
                        if e.stops_run() {
                            sids.clear();
                            p.stopped = Some(e.to_string());
                        }
                    }
                }
            }
            p.total = sids.len();
            self.progress.set(Some(p.clone()));
            let mut results = stream::iter(sids)
                .map(|sid| {
                    let (t, cancel) = (t.clone(), cancel.clone());
                    let found = states.get(&sid).cloned();
                    async move {
                        let state = found.clone().flatten();
                        let got = fetch(&t, &sid, source, state, &cancel).await;
                        let got = match found {
                            Some(_) => got.map_err(ApiError::for_found_submission),
                            None => got,
                        };
                        (sid, got)
                    }
                })
                .buffer_unordered(t.parallelism());
            while let Some((sid, got)) = results.next().await {
                p.done += 1;
                match got {
                    Ok(Got::Summary(summary, note)) => {
                        if let Some(note) = note {
                            self.note(Note::Partial(note.line()));
                        }
                        self.set.update(|set| set.add_summary(&sid, &summary));
                    }
                    Ok(Got::Ontology(records, summary, note)) => {
                        if let Some(note) = note {
                            self.note(Note::Partial(note.line()));
                        }
                        let left_out = summary
                            .as_ref()
                            .map_or(0, |s| files_without_ontology(s, &records));
                        if left_out > 0 {
                            self.note(Note::Partial(ontology_gap_line(&sid, left_out)));
                        }
                        self.set.update(|set| {
                            set.add_ontology_with_summary(&sid, &records, summary.as_ref())
                        });
                    }
                    Err(ApiError::Aborted) => p.done -= 1,
                    Err(e) => {
                        p.failed += 1;
                        self.note(Note::Error(failure_line(&sid, &e)));
                        if e.stops_run() && p.stopped.is_none() {
                            p.stopped = Some(e.to_string());
                            cancel.cancel();
                        }
                    }
                }
                self.progress.set(Some(p.clone()));
            }
            p.finished = true;
            p.cancelled = cancel.is_cancelled() && p.stopped.is_none();
            self.progress.set(Some(p));
            self.busy.set(false);
            self.cancel.set_value(None);
            on_done();
        });
    }

    fn note(&self, note: Note) {
        self.notes.update(|notes| notes.push(note));
    }
}

/// One submission's IoCs, with a note when its answer may not hold them all. `state` is the
/// search hit's; without it the submission record is asked only when `partial` needs it.
async fn fetch(
    t: &Transport,
    sid: &str,
    source: Source,
    state: Option<String>,
    cancel: &Cancel,
) -> Result<Got, ApiError> {
    let summary = t.json::<Summary>(t.server.summary(sid), cancel);
    match source {
        Source::Summary => {
            let summary = summary.await?;
            let note = note(t, sid, &summary, state, cancel).await;
            Ok(Got::Summary(summary, note))
        }
        Source::Ontology => {
            // The ontology has no flags and no safelist: the summary brings both.
            let (records, summary) =
                futures::join!(t.ontology(t.server.ontology(sid), cancel), summary);
            let records = records?;
            let summary = summary.ok();
            let note = match &summary {
                Some(summary) => note(t, sid, summary, state, cancel).await,
                None => None,
            };
            Ok(Got::Ontology(records, summary, note))
        }
    }
}

async fn note(
    t: &Transport,
    sid: &str,
    summary: &Summary,
    state: Option<String>,
    cancel: &Cancel,
) -> Option<SubmissionNote> {
    let state = if SubmissionNote::needs_state(state.as_deref(), summary.partial, summary.filtered)
    {
        t.json::<SubmissionHit>(t.server.submission(sid), cancel)
            .await
            .ok()
            .and_then(|record| record.state)
    } else {
        state
    };
    summary.note(sid, state.as_deref())
}
