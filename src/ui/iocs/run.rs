//! One "Show IoCs" run: every submission's summary or ontology through the shared transport,
//! merged into one `IocSet` as each answer (or, for the ontology, each record) arrives. With a
//! query, loading starts with the search's first page of hits while it pages on.
//! Per-submission failures become their own lines; the rest still load.
//!
//! Merging is cheap (the set stays sorted as it grows), and the screen is told at most once
//! per animation frame and a few times a second, so a thousand answers cost a thousand merges,
//! not a thousand redraws. More calls are queued than the transport runs at once, so a slot
//! that frees is taken by the next call straight away instead of after this loop's turn.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use futures::channel::mpsc;
use futures::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::api::{SearchPage, SubmissionHit, Summary};
use crate::core::error::ApiError;
use crate::core::ioc::IocSet;
use crate::core::ioc_query::{failure_line, Plan, RunProgress as Progress, Source, MAX_CAP};
use crate::core::status::{files_without_ontology, ontology_gap_line, SubmissionNote};
use crate::web::frame::OncePerFrame;
use crate::web::http::{Cancel, Transport};
use crate::web::search::each_submission;
use crate::web::suffixes;

/// The shortest time between two screen updates while answers arrive: four a second show
/// progress well and leave the main thread to the answers.
const DRAW_GAP_MS: f64 = 250.0;

#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    Error(String),
    Partial(String),
    /// The run's values are complete but ordered less well (no public suffix list).
    Order(String),
}

/// What "Load the rest" repeats: the last run's call, with the cap lifted.
#[derive(Clone)]
struct Last {
    transport: Transport,
    plan: Plan,
    source: Source,
}

/// Where the search hands what it finds: the load queue, the progress both update, and the
/// submission states its hits carry.
struct Feed<'a> {
    queue: &'a mpsc::UnboundedSender<String>,
    progress: &'a RefCell<Progress>,
    states: &'a RefCell<HashMap<String, Option<String>>>,
    frame: &'a OncePerFrame,
}

/// What one submission's answer says besides its values: why it may not hold them all, and
/// how many files the ontology left out that the summary names.
struct Loaded {
    note: Option<SubmissionNote>,
    ontology_gap: usize,
}

#[derive(Clone, Copy)]
pub struct Run {
    /// Changed in place; readers are told once per frame (`OncePerFrame`).
    pub set: RwSignal<IocSet>,
    pub notes: RwSignal<Vec<Note>>,
    pub progress: RwSignal<Option<Progress>>,
    pub busy: RwSignal<bool>,
    cancel: StoredValue<Option<Cancel>, LocalStorage>,
    last: StoredValue<Option<Last>, LocalStorage>,
    /// Submissions already loaded or failed: "Load the rest" skips them.
    loaded: StoredValue<HashSet<String>, LocalStorage>,
}

impl Run {
    pub fn new() -> Run {
        Run {
            set: RwSignal::new(IocSet::new()),
            notes: RwSignal::new(Vec::new()),
            progress: RwSignal::new(None),
            busy: RwSignal::new(false),
            cancel: StoredValue::new_local(None),
            last: StoredValue::new_local(None),
            loaded: StoredValue::new_local(HashSet::new()),
        }
    }

    pub fn cancel(&self) {
        if let Some(cancel) = self.cancel.get_value() {
            cancel.cancel();
        }
    }

    /// A fresh run: what was shown before is dropped.
    pub fn start(self, t: Transport, plan: Plan, source: Source, on_done: impl FnOnce() + 'static) {
        self.set.set(IocSet::new());
        self.notes
            .set(plan.sids.errors.iter().cloned().map(Note::Error).collect());
        self.loaded.set_value(HashSet::new());
        self.progress.set(None);
        self.last.set_value(Some(Last {
            transport: t.clone(),
            plan: plan.clone(),
            source,
        }));
        self.go(t, plan, source, false, on_done);
    }

    /// The matches a capped search left out, added to what is shown (up to `MAX_CAP`).
    pub fn load_rest(self) {
        let Some(last) = self.last.get_value() else {
            return;
        };
        let plan = Plan {
            cap: MAX_CAP,
            ..last.plan
        };
        self.go(last.transport, plan, last.source, true, || {});
    }

    fn go(
        self,
        t: Transport,
        plan: Plan,
        source: Source,
        adding: bool,
        on_done: impl FnOnce() + 'static,
    ) {
        let cancel = Cancel::new();
        self.cancel.set_value(Some(cancel.clone()));
        self.busy.set(true);
        let (set, progress, notes) = (self.set, self.progress, self.notes);
        let frame = OncePerFrame::new(DRAW_GAP_MS, move || {
            set.notify();
            progress.notify();
            notes.notify();
        });
        spawn_local(async move {
            if !adding {
                // Loading since the page answered; usually there long before a run starts.
                let list = suffixes::get().await;
                if let Err(why) = &list {
                    self.note(Note::Order(format!("{why}. Domains are not grouped by registrable domain: they are sorted by their labels from the right (top-level domain first).")));
                }
                self.set
                    .set(IocSet::with_suffixes(list.ok()).with_verdicts(t.verdicts()));
            }
            let p = Rc::new(RefCell::new(match self.progress.get_untracked() {
                Some(before) if adding => Progress {
                    finished: false,
                    cancelled: false,
                    capped_at: None,
                    matched: None,
                    ..before
                },
                _ => Progress::default(),
            }));
            let loaded = self.loaded.get_value();
            // Submissions to load, fed while the search still pages, so the slots the search
            // leaves free are loading already.
            let (queue, sids) = mpsc::unbounded::<String>();
            for sid in plan.sids.sids.iter().filter(|s| !loaded.contains(*s)) {
                p.borrow_mut().total += 1;
                let _ = queue.unbounded_send(sid.clone());
            }
            // Submission state from search hits: saves a call per partial submission. A sid in
            // here came from the search, so a 404 later means it was deleted since.
            let states: Rc<RefCell<HashMap<String, Option<String>>>> = Rc::default();
            let search = async {
                if let Some(query) = &plan.query {
                    let feed = Feed {
                        queue: &queue,
                        progress: &p,
                        states: &states,
                        frame: &frame,
                    };
                    self.search(&t, &plan, query, &cancel, &loaded, feed).await;
                }
                // The queue ends once the search has handed over its last hit.
                queue.close_channel();
            };
            self.progress.set(Some(p.borrow().clone()));
            let (set, cancel_all) = (self.set, cancel.clone());
            let results = sids
                .map(|sid| {
                    let (t, cancel, found, frame) = (
                        t.clone(),
                        cancel.clone(),
                        states.borrow().get(&sid).cloned(),
                        frame.clone(),
                    );
                    async move {
                        let state = found.clone().flatten();
                        let got = fetch(&t, &sid, source, state, &cancel, set, &frame).await;
                        let got = match found {
                            Some(_) => got.map_err(ApiError::for_found_submission),
                            None => got,
                        };
                        (sid, got)
                    }
                })
                .buffer_unordered(t.parallelism() * 2);
            let load = results.for_each(|(sid, got)| {
                let mut p = p.borrow_mut();
                p.done += 1;
                if !matches!(got, Err(ApiError::Aborted)) {
                    self.loaded.update_value(|l| {
                        l.insert(sid.clone());
                    });
                }
                match got {
                    Ok(loaded) => {
                        if let Some(note) = loaded.note {
                            self.note_quietly(Note::Partial(note.line()));
                        }
                        if loaded.ontology_gap > 0 {
                            self.note_quietly(Note::Partial(ontology_gap_line(
                                &sid,
                                loaded.ontology_gap,
                            )));
                        }
                    }
                    Err(ApiError::Aborted) => p.done -= 1,
                    Err(e) => {
                        p.failed += 1;
                        self.note_quietly(Note::Error(failure_line(&sid, &e)));
                        if e.stops_run() && p.stopped.is_none() {
                            p.stopped = Some(e.to_string());
                            cancel_all.cancel();
                        }
                    }
                }
                self.progress
                    .update_untracked(|slot| *slot = Some(p.clone()));
                frame.request();
                std::future::ready(())
            });
            futures::join!(search, load);
            let mut p = p.take();
            p.finished = true;
            p.cancelled = cancel.is_cancelled() && p.stopped.is_none();
            self.progress.update_untracked(|slot| *slot = Some(p));
            frame.now();
            self.busy.set(false);
            self.cancel.set_value(None);
            on_done();
        });
    }

    /// Pages through the query's matches, handing each new sid to the queue as its page
    /// arrives; then says in the progress whether the cap stopped it and how many matched.
    async fn search(
        &self,
        t: &Transport,
        plan: &Plan,
        query: &str,
        cancel: &Cancel,
        loaded: &HashSet<String>,
        feed: Feed<'_>,
    ) {
        let Feed {
            queue,
            progress: p,
            states,
            frame,
        } = feed;
        let cap = plan.cap;
        p.borrow_mut().searching = true;
        self.progress.set(Some(p.borrow().clone()));
        let mut seen: HashSet<String> = plan.sids.sids.iter().cloned().collect();
        seen.extend(loaded.iter().cloned());
        let found = each_submission(t, query, Some(cap), cancel, |hits| {
            for hit in hits {
                states
                    .borrow_mut()
                    .insert(hit.sid.clone(), hit.state.clone());
                if seen.insert(hit.sid.clone()) {
                    p.borrow_mut().total += 1;
                    let _ = queue.unbounded_send(hit.sid.clone());
                }
            }
            frame.request();
        })
        .await;
        let matched = match &found {
            // A search that stops at the cap cannot tell "exactly the cap" from
            // "more": the count says.
            Ok(end) if end.capped => count(t, query, cancel).await,
            _ => None,
        };
        let mut p = p.borrow_mut();
        p.searching = false;
        match found {
            Ok(end) if end.capped => {
                p.matched = matched;
                let more = matched.is_none_or(|m| m > end.hits as u64);
                p.capped_at = more.then_some(cap);
            }
            Ok(_) | Err(ApiError::Aborted) => {}
            Err(e) => {
                self.note_quietly(Note::Error(format!("Submission search: {e}")));
                if e.stops_run() && p.stopped.is_none() {
                    p.stopped = Some(e.to_string());
                    cancel.cancel();
                }
            }
        }
        frame.request();
    }

    fn note(&self, note: Note) {
        self.notes.update(|notes| notes.push(note));
    }

    /// A note shown with the next frame's update.
    fn note_quietly(&self, note: Note) {
        self.notes.update_untracked(|notes| notes.push(note));
    }
}

/// How many submissions the query matches in all; None when the count itself failed (the
/// status line then says only that there may be more).
async fn count(t: &Transport, query: &str, cancel: &Cancel) -> Option<u64> {
    t.json::<SearchPage<SubmissionHit>>(t.server.count_submissions(query), cancel)
        .await
        .ok()
        .and_then(|page| page.total)
}

/// Loads one submission into `set`, with a note when its answer may not hold every value.
/// `state` is the search hit's; without it the submission record is asked only when
/// `partial` needs it.
async fn fetch(
    t: &Transport,
    sid: &str,
    source: Source,
    state: Option<String>,
    cancel: &Cancel,
    set: RwSignal<IocSet>,
    frame: &OncePerFrame,
) -> Result<Loaded, ApiError> {
    let summary = t.json::<Summary>(t.server.summary(sid), cancel);
    match source {
        Source::Summary => {
            let summary = summary.await?;
            set.update_untracked(|set| set.add_summary(sid, &summary));
            frame.request();
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
                set.update_untracked(|set| {
                    set.add_ontology_with_summary(
                        sid,
                        std::slice::from_ref(&record),
                        summary.as_ref(),
                    )
                });
                records.push(record);
                frame.request();
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
/// whole run (daily quota, revoked key): that is never swallowed.
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
