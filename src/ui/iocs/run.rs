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
use crate::core::ioc_query::{failure_line, partial_line, Plan, RunProgress as Progress, Source};
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
    Summary(Summary),
    Ontology(Vec<OntologyRecord>, bool),
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
            self.set.set(IocSet::with_suffixes(list.ok()));
            let mut p = Progress::default();
            let mut sids = plan.sids.sids.clone();
            // Submission state from search hits: saves the ontology run one call per hit.
            let mut partial: HashMap<String, bool> = HashMap::new();
            if let Some(query) = &plan.query {
                p.searching = true;
                self.progress.set(Some(p.clone()));
                let mut seen: HashSet<String> = sids.iter().cloned().collect();
                let found = each_submission(&t, query, Some(plan.cap), &cancel, |hits| {
                    for hit in hits {
                        partial.insert(hit.sid.clone(), is_partial(hit));
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
                    let (t, cancel, known) =
                        (t.clone(), cancel.clone(), partial.get(&sid).copied());
                    async move {
                        let got = fetch(&t, &sid, source, known, &cancel).await;
                        (sid, got)
                    }
                })
                .buffer_unordered(t.parallelism());
            while let Some((sid, got)) = results.next().await {
                p.done += 1;
                match got {
                    Ok(Got::Summary(summary)) => {
                        if summary.partial {
                            self.note(Note::Partial(partial_line(&sid)));
                        }
                        self.set.update(|set| set.add_summary(&sid, &summary));
                    }
                    Ok(Got::Ontology(records, is_partial)) => {
                        if is_partial {
                            self.note(Note::Partial(partial_line(&sid)));
                        }
                        self.set.update(|set| set.add_ontology(&sid, &records));
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

/// AL's state while services still run is "submitted".
fn is_partial(hit: &SubmissionHit) -> bool {
    hit.state.as_deref() == Some("submitted")
}

async fn fetch(
    t: &Transport,
    sid: &str,
    source: Source,
    known_partial: Option<bool>,
    cancel: &Cancel,
) -> Result<Got, ApiError> {
    match source {
        Source::Summary => t
            .json(t.server.summary(sid), cancel)
            .await
            .map(Got::Summary),
        Source::Ontology => {
            // The ontology has no "partial" flag: the submission record's state tells.
            let state = async {
                match known_partial {
                    Some(known) => Ok(known),
                    None => t
                        .json::<SubmissionHit>(t.server.submission(sid), cancel)
                        .await
                        .map(|hit| is_partial(&hit)),
                }
            };
            let (records, partial) =
                futures::join!(t.ontology(t.server.ontology(sid), cancel), state);
            Ok(Got::Ontology(records?, partial.unwrap_or(false)))
        }
    }
}
