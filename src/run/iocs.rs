//! Drives "Show IoCs": every submission's summary or ontology through the shared transport,
//! merged into the board's set of values as each answer (or, for the ontology, each record)
//! arrives. With a query, loading starts with the search's first page of hits while it pages
//! on. Per-submission failures become their own notes; the rest still load. The view reads
//! the board (`IocBoard`) and calls `start`, `load_rest` and `cancel`.
//!
//! Merging is cheap (the set stays sorted as it grows), and the board asks for redraws at
//! most once per frame and a few times a second, so a thousand answers cost a thousand
//! merges, not a thousand redraws. More calls are queued than the transport runs at once, so
//! a slot that frees is taken by the next call straight away instead of after this loop's
//! turn.

mod submission;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use futures::channel::mpsc;
use futures::StreamExt;

use crate::core::error::ApiError;
use crate::core::ioc::IocSet;
use crate::core::ioc_query::{failure_line, LoadProgress, Plan, Source, MAX_CAP};
use crate::core::status::ontology_gap_line;
use crate::web::frame::Shared;
use crate::web::http::{Cancel, Transport};
use crate::web::search::each_submission;
use crate::web::suffixes;

use submission::{count, load_submission};

/// The shortest time between two redraws of the status line and notes while answers
/// arrive: four a second show progress well, and cost little.
const STATUS_GAP_MS: f64 = 250.0;
/// The same for the values. Each of their redraws rebuilds the rows in view that new answers
/// changed and lays the tables out again, tens of milliseconds in which the answers wait for
/// the main thread: drawn every frame they took more of it than the answers did. Once a
/// second still shows values arriving; the end of a load draws at once.
const VALUES_GAP_MS: f64 = 1000.0;

/// A line under the IoC load's progress.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadNote {
    Error(String),
    Partial(String),
    /// The values are complete but ordered less well (no public suffix list).
    Order(String),
}

/// How the IoC view's loads stand: the notes, the progress.
#[derive(Default)]
pub struct LoadStatus {
    pub notes: Vec<LoadNote>,
    /// None before the first load.
    pub progress: Option<LoadProgress>,
    /// True while a load runs.
    pub busy: bool,
}

/// What the IoC view shows of its loads, in two parts redrawn at their own pace.
#[derive(Clone)]
pub struct IocBoard {
    pub status: Shared<LoadStatus>,
    pub values: Shared<IocSet>,
}

impl IocBoard {
    pub fn new() -> IocBoard {
        IocBoard {
            status: Shared::with_gap(LoadStatus::default(), STATUS_GAP_MS),
            values: Shared::with_gap(IocSet::new(), VALUES_GAP_MS),
        }
    }

    /// Both parts redrawn at once (a load's start and end).
    fn draw_now(&self) {
        self.status.draw_now();
        self.values.draw_now();
    }
}

impl Default for IocBoard {
    fn default() -> Self {
        IocBoard::new()
    }
}

/// What "Load the rest" repeats: the last load's call, with the cap lifted.
#[derive(Clone)]
struct Last {
    transport: Transport,
    plan: Plan,
    source: Source,
}

/// The loader's own memory between loads; the view never reads it.
#[derive(Default)]
struct Memory {
    cancel: Option<Cancel>,
    last: Option<Last>,
    /// Submissions already loaded or failed: "Load the rest" skips them.
    loaded: HashSet<String>,
}

/// Starts, extends and cancels IoC loads that write to one board. Cheap to clone.
#[derive(Clone)]
pub struct IocLoader {
    board: IocBoard,
    memory: Rc<RefCell<Memory>>,
}

impl IocLoader {
    pub fn new(board: IocBoard) -> IocLoader {
        IocLoader {
            board,
            memory: Rc::default(),
        }
    }

    pub fn cancel(&self) {
        if let Some(cancel) = &self.memory.borrow().cancel {
            cancel.cancel();
        }
    }

    /// A fresh load: what was shown before is dropped. `on_done` runs when it ends.
    pub fn start(
        &self,
        t: Transport,
        plan: Plan,
        source: Source,
        on_done: impl FnOnce() + 'static,
    ) {
        self.board.values.set(IocSet::new());
        self.board.status.update(|b| {
            b.notes = plan
                .sids
                .errors
                .iter()
                .cloned()
                .map(LoadNote::Error)
                .collect();
            b.progress = None;
        });
        {
            let mut memory = self.memory.borrow_mut();
            memory.loaded.clear();
            memory.last = Some(Last {
                transport: t.clone(),
                plan: plan.clone(),
                source,
            });
        }
        self.go(t, plan, source, false, on_done);
    }

    /// The matches a capped search left out, added to what is shown (up to `MAX_CAP`).
    pub fn load_rest(&self) {
        let Some(last) = self.memory.borrow().last.clone() else {
            return;
        };
        let plan = Plan {
            cap: MAX_CAP,
            ..last.plan
        };
        self.go(last.transport, plan, last.source, true, || {});
    }

    fn go(
        &self,
        t: Transport,
        plan: Plan,
        source: Source,
        adding: bool,
        on_done: impl FnOnce() + 'static,
    ) {
        let cancel = Cancel::new();
        self.memory.borrow_mut().cancel = Some(cancel.clone());
        self.board.status.update(|b| b.busy = true);
        // Cancel shows and Show IoCs disables with the click, not a redraw later.
        self.board.draw_now();
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            me.load(t, plan, source, adding, &cancel).await;
            me.board.status.update(|b| {
                if let Some(p) = &mut b.progress {
                    p.finished = true;
                    p.cancelled = cancel.is_cancelled() && p.stopped.is_none();
                }
                b.busy = false;
            });
            me.board.draw_now();
            me.memory.borrow_mut().cancel = None;
            on_done();
        });
    }

    async fn load(&self, t: Transport, plan: Plan, source: Source, adding: bool, cancel: &Cancel) {
        if !adding {
            // Loading since the page answered; usually there long before a load starts.
            let list = suffixes::get().await;
            let order = list.as_ref().err().map(|why| LoadNote::Order(format!("{why}. Domains are not grouped by registrable domain: they are sorted by their labels from the right (top-level domain first).")));
            self.board.status.update(|b| b.notes.extend(order));
            let set = IocSet::with_suffixes(list.ok()).with_verdicts(t.verdicts());
            self.board.values.set(set);
        }
        let loaded = self.memory.borrow().loaded.clone();
        // Submissions to load, fed while the search still pages, so the slots the search
        // leaves free are loading already.
        let (queue, sids) = mpsc::unbounded::<String>();
        let fresh: Vec<&String> = plan
            .sids
            .sids
            .iter()
            .filter(|s| !loaded.contains(*s))
            .collect();
        self.board.status.update(|b| {
            let p = match b.progress.take() {
                Some(before) if adding => LoadProgress {
                    finished: false,
                    cancelled: false,
                    capped_at: None,
                    matched: None,
                    ..before
                },
                _ => LoadProgress::default(),
            };
            b.progress = Some(LoadProgress {
                total: p.total + fresh.len(),
                searching: plan.query.is_some(),
                ..p
            });
        });
        for sid in fresh {
            let _ = queue.unbounded_send(sid.clone());
        }
        // Submission state from search hits: saves a call per partial submission. A sid in
        // here came from the search, so a 404 later means it was deleted since.
        let states: RefCell<HashMap<String, Option<String>>> = RefCell::default();
        let search = async {
            if plan.query.is_some() {
                self.search(&t, &plan, cancel, &loaded, &queue, &states)
                    .await;
            }
            // The queue ends once the search has handed over its last hit.
            queue.close_channel();
        };
        let results = sids
            .map(|sid| {
                let found = states.borrow().get(&sid).cloned();
                let (t, set) = (t.clone(), self.board.values.clone());
                async move {
                    let state = found.clone().flatten();
                    let got = load_submission(&t, &sid, source, state, cancel, &set).await;
                    let got = match found {
                        Some(_) => got.map_err(ApiError::for_found_submission),
                        None => got,
                    };
                    (sid, got)
                }
            })
            .buffer_unordered(t.parallelism() * 2);
        let load = results.for_each(|(sid, got)| {
            if !matches!(got, Err(ApiError::Aborted)) {
                self.memory.borrow_mut().loaded.insert(sid.clone());
            }
            let mut stop = false;
            self.board.status.update(|b| {
                let p = b.progress.get_or_insert_with(LoadProgress::default);
                match got {
                    Ok(loaded) => {
                        p.done += 1;
                        if let Some(note) = loaded.note {
                            b.notes.push(LoadNote::Partial(note.line()));
                        }
                        if loaded.ontology_gap > 0 {
                            let line = ontology_gap_line(&sid, loaded.ontology_gap);
                            b.notes.push(LoadNote::Partial(line));
                        }
                    }
                    Err(ApiError::Aborted) => {}
                    Err(e) => {
                        p.done += 1;
                        p.failed += 1;
                        if e.stops_run() && p.stopped.is_none() {
                            p.stopped = Some(e.to_string());
                            stop = true;
                        }
                        b.notes.push(LoadNote::Error(failure_line(&sid, &e)));
                    }
                }
            });
            if stop {
                cancel.cancel();
            }
            std::future::ready(())
        });
        futures::join!(search, load);
    }

    /// Pages through the plan's query matches, handing each new sid to the queue as its page
    /// arrives; then says in the progress whether the cap stopped it and how many matched.
    async fn search(
        &self,
        t: &Transport,
        plan: &Plan,
        cancel: &Cancel,
        loaded: &HashSet<String>,
        queue: &mpsc::UnboundedSender<String>,
        states: &RefCell<HashMap<String, Option<String>>>,
    ) {
        let (Some(query), cap) = (plan.query.as_deref(), plan.cap) else {
            return;
        };
        let mut seen: HashSet<String> = plan.sids.sids.iter().cloned().collect();
        seen.extend(loaded.iter().cloned());
        let found = each_submission(t, query, Some(cap), cancel, |hits| {
            let mut states = states.borrow_mut();
            let mut fresh = 0;
            for hit in hits {
                states.insert(hit.sid.clone(), hit.state.clone());
                if seen.insert(hit.sid.clone()) {
                    fresh += 1;
                    let _ = queue.unbounded_send(hit.sid.clone());
                }
            }
            self.board.status.update(|b| {
                if let Some(p) = &mut b.progress {
                    p.total += fresh;
                }
            });
        })
        .await;
        let matched = match &found {
            // A search that stops at the cap cannot tell "exactly the cap" from
            // "more": the count says.
            Ok(end) if end.capped => count(t, query, cancel).await,
            _ => None,
        };
        let mut stop = false;
        self.board.status.update(|b| {
            let p = b.progress.get_or_insert_with(LoadProgress::default);
            p.searching = false;
            match found {
                Ok(end) if end.capped => {
                    p.matched = matched;
                    let more = matched.is_none_or(|m| m > end.hits as u64);
                    p.capped_at = more.then_some(cap);
                }
                Ok(_) | Err(ApiError::Aborted) => {}
                Err(e) => {
                    if e.stops_run() && p.stopped.is_none() {
                        p.stopped = Some(e.to_string());
                        stop = true;
                    }
                    b.notes
                        .push(LoadNote::Error(format!("Submission search: {e}")));
                }
            }
        });
        if stop {
            cancel.cancel();
        }
    }
}
