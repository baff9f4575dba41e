//! The collection: find qualifying files (search hits → submission trees) and download them.
//! Pure state; the browser loop asks what to fetch next and reports what happened, and every
//! number the UI shows is read from this state, so progress cannot drift from what really
//! happened.
//!
//! Every event (a page of hits, a tree, a finished or failed download) costs O(its own size ×
//! log n), never O(files found so far): counters are kept as states change, candidates are kept
//! ranked as they arrive, and nothing is re-sorted or re-counted per event. A month of
//! high-score samples is thousands of submissions and files.
//!
//! The rule is the seed exercise's: in each submission a file's score is the sum of its result
//! scores there (the tree node's `score`, summed by the server), and the file qualifies when
//! that score is >= the threshold. Across submissions one entry per sha256 is kept. Everything
//! in an entry comes from the submissions where the file qualified: its score is the highest
//! of those, its SIDs are those (with the score in each), its names are the names it had
//! there. A submission where the same file scored lower is not listed: the seed downloads the
//! file because it qualified once, and the manifest says where.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use super::api::{SubmissionHit, SubmissionTree};
use super::bundle::{ManifestFailure, ManifestNotes};
use super::status::SubmissionNote;

mod download;
pub mod previous;
mod qualify;
mod report;

use download::Downloads;
#[cfg(test)]
use download::NOT_SCANNED;
pub use download::{DownloadCounts, DownloadJob, Next};

#[derive(Clone, Debug, PartialEq)]
pub struct SidScore {
    pub sid: String,
    pub score: i64,
    /// The submission was incomplete when its tree was read.
    pub partial: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub sha256: String,
    pub names: Vec<String>,
    pub file_type: String,
    pub size: u64,
    /// Highest qualifying score.
    pub score: i64,
    /// Where the file qualified, in the order the submissions were scanned.
    pub submissions: Vec<SidScore>,
    pub partial: bool,
    /// A previous run collected it (its manifest was given): not downloaded again.
    pub already_collected: bool,
}

impl Candidate {
    /// The submission where the file scored highest (first one on a tie).
    pub fn best_sid(&self) -> &str {
        let best = self
            .submissions
            .iter()
            .fold(None::<&SidScore>, |best, s| match best {
                Some(b) if b.score >= s.score => Some(b),
                _ => Some(s),
            });
        best.map_or("", |s| s.sid.as_str())
    }

    /// The name the download asks the server to put in the cART header. The server keeps only
    /// a base name, so path parts are dropped here too; no name means the sha256.
    pub fn download_name(&self) -> String {
        let first = self.names.first().map_or("", String::as_str);
        let base = first.rsplit(['/', '\\']).next().unwrap_or("").trim();
        if base.is_empty() || base == "." || base == ".." {
            self.sha256.clone()
        } else {
            base.to_string()
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Qualifying files and the bytes they will take once unpacked.
    pub files: usize,
    pub bytes: u64,
    pub submissions_total_known: usize,
    pub submissions_scanned: usize,
    pub partial_submissions: usize,
    pub hidden_submissions: usize,
    pub failed_submissions: usize,
    /// Qualifying files a previous run collected, skipped this time.
    pub already_collected: usize,
    pub trees_in_flight: usize,
    pub trees_queued: usize,
}

#[derive(Clone, Debug, PartialEq)]
enum TreeState {
    Queued,
    InFlight,
    Loaded { partial: bool, filtered: bool },
    Failed(String),
}

/// How many submissions are in each state: kept as states change, read in O(1).
#[derive(Clone, Debug, Default)]
struct TreeCounts {
    queued: usize,
    in_flight: usize,
    loaded: usize,
    partial: usize,
    filtered: usize,
    failed: usize,
}

impl TreeCounts {
    fn shift(&mut self, state: &TreeState, by: isize) {
        let slot = match state {
            TreeState::Queued => &mut self.queued,
            TreeState::InFlight => &mut self.in_flight,
            TreeState::Loaded { partial, filtered } => {
                if *partial {
                    self.partial = self.partial.wrapping_add_signed(by);
                }
                if *filtered {
                    self.filtered = self.filtered.wrapping_add_signed(by);
                }
                &mut self.loaded
            }
            TreeState::Failed(_) => &mut self.failed,
        };
        *slot = slot.wrapping_add_signed(by);
    }
}

struct Submission {
    sid: String,
    state: TreeState,
    /// The submission's own state from the search hit (`submitted`, `completed`, `failed`).
    analysis: Option<String>,
    /// True once a tree of it was folded in: only then can a candidate already list it.
    ever_loaded: bool,
    /// Why its files may not all be there (hidden, still running, missing, deleted).
    note: Option<SubmissionNote>,
}

/// Ranked order: highest score first, then by sha256; the index finds the candidate.
type Rank = (Reverse<i64>, String, usize);

pub struct Collection {
    query: String,
    threshold: i64,
    subs: Vec<Submission>,
    sub_index: HashMap<String, usize>,
    tree_queue: VecDeque<usize>,
    trees: TreeCounts,
    files: Vec<Candidate>,
    file_index: HashMap<String, usize>,
    ranked: BTreeSet<Rank>,
    bytes: u64,
    /// Qualifying tree nodes whose sha256 is malformed: never a zip entry, but reported.
    rejected: Vec<ManifestFailure>,
    rejected_seen: HashSet<(String, String)>,
    /// Set once downloading starts (after a preview, or from the start in one click).
    downloads: Option<Downloads>,
    /// Bumped whenever the list of failures may have changed, so a view can skip rebuilding it.
    failures_version: u64,
    /// Submissions with a note, counted as notes are set.
    noted: usize,
    /// Bumped whenever a note is added, changed or cleared, so a view redraws the notes only
    /// then, not at every tree.
    notes_version: u64,
    /// Files whose download was the cART Assemblyline stores, byte for byte.
    stored_as_cart: BTreeSet<String>,
    /// Files a previous run collected (`skip_collected`), and how many of them qualified.
    skip: BTreeSet<String>,
    skipped: usize,
}

impl Collection {
    pub fn new(query: String, threshold: i64) -> Self {
        Collection {
            query,
            threshold,
            subs: Vec::new(),
            sub_index: HashMap::new(),
            tree_queue: VecDeque::new(),
            trees: TreeCounts::default(),
            files: Vec::new(),
            file_index: HashMap::new(),
            ranked: BTreeSet::new(),
            bytes: 0,
            rejected: Vec::new(),
            rejected_seen: HashSet::new(),
            downloads: None,
            failures_version: 0,
            noted: 0,
            notes_version: 0,
            stored_as_cart: BTreeSet::new(),
            skip: BTreeSet::new(),
            skipped: 0,
        }
    }

    /// Files a previous run collected: they are found and shown, but not downloaded again.
    /// Set before the run starts.
    pub fn skip_collected(&mut self, sha256s: BTreeSet<String>) {
        self.skip = sha256s;
    }

    pub fn query(&self) -> &str {
        &self.query
    }

    pub fn threshold(&self) -> i64 {
        self.threshold
    }

    /// Queues the trees of new search hits; a sid already known is ignored. Every hit's tree
    /// is fetched: which submissions to scan is the query's business (the seed's
    /// `max_score:>=7000` already leaves out submissions where no file can qualify).
    pub fn add_hits(&mut self, hits: &[SubmissionHit]) {
        for hit in hits {
            if self.sub_index.contains_key(&hit.sid) {
                continue;
            }
            let i = self.submission(&hit.sid, TreeState::Queued);
            if let Some(s) = self.subs.get_mut(i) {
                s.analysis = hit.state.clone();
            }
            self.tree_queue.push_back(i);
        }
    }

    /// The sid whose tree to fetch next, now marked in flight.
    pub fn next_tree(&mut self) -> Option<String> {
        while let Some(i) = self.tree_queue.pop_front() {
            if self
                .subs
                .get(i)
                .is_some_and(|s| s.state == TreeState::Queued)
            {
                self.set_tree_state(i, TreeState::InFlight);
                return self.subs.get(i).map(|s| s.sid.clone());
            }
        }
        None
    }

    /// Folds a tree in. Loading a sid twice is harmless: a file that qualified stays, with
    /// the higher score and the union of names, and the latest `partial` flag.
    pub fn tree_loaded(&mut self, sid: &str, tree: &SubmissionTree) {
        let i = self.submission(sid, TreeState::InFlight);
        let again = self.subs.get(i).is_some_and(|s| s.ever_loaded);
        let state = self.subs.get(i).and_then(|s| s.analysis.clone());
        self.set_note(i, tree.note(sid, state.as_deref()));
        self.set_tree_state(
            i,
            TreeState::Loaded {
                partial: tree.partial,
                filtered: tree.filtered,
            },
        );
        if let Some(s) = self.subs.get_mut(i) {
            s.ever_loaded = true;
        }
        let (hits, rejected) = qualify::qualifying(tree, self.threshold, sid);
        for r in rejected {
            // The same malformed node seen again (a reloaded tree) is reported once.
            if self
                .rejected_seen
                .insert((r.sha256.clone(), sid.to_string()))
            {
                self.rejected.push(r);
                self.failures_version += 1;
            }
        }
        for hit in hits {
            self.merge(hit, sid, tree.partial, again);
        }
    }

    /// The server no longer has a submission its search returned: nothing to scan, and the
    /// manifest says so.
    pub fn tree_gone(&mut self, sid: &str) {
        let i = self.submission(sid, TreeState::InFlight);
        self.set_tree_state(
            i,
            TreeState::Loaded {
                partial: false,
                filtered: false,
            },
        );
        self.set_note(i, Some(SubmissionNote::deleted(sid)));
    }

    /// Submissions whose files may not all be there, with why, in the order they were found.
    /// O(submissions): for a view that changed (`notes_count`) and for manifests.
    pub fn notes(&self) -> Vec<SubmissionNote> {
        self.subs.iter().filter_map(|s| s.note.clone()).collect()
    }

    /// How many submissions have a note; O(1).
    pub fn notes_count(&self) -> usize {
        self.noted
    }

    /// Changes whenever `notes` may have; O(1).
    pub fn notes_version(&self) -> u64 {
        self.notes_version
    }

    /// The download of `sha256` was the cART Assemblyline stores, not one it made.
    pub fn mark_stored_as_cart(&mut self, sha256: &str) {
        self.stored_as_cart.insert(sha256.to_string());
    }

    /// What the manifests say besides files and failures.
    pub fn manifest_notes(&self) -> ManifestNotes {
        ManifestNotes {
            submissions: self.notes(),
            stored_as_cart: self.stored_as_cart.clone(),
        }
    }

    /// The submission is listed as a failure with `reason`; `retry_failed` tries it again.
    pub fn tree_failed(&mut self, sid: &str, reason: String) {
        let i = self.submission(sid, TreeState::InFlight);
        self.set_tree_state(i, TreeState::Failed(reason));
    }

    /// Qualifying files, highest score first, then by sha256. Kept in that order as they
    /// arrive, so reading it never sorts.
    pub fn candidates(&self) -> Vec<&Candidate> {
        self.ranked().collect()
    }

    /// The ranked candidates as an iterator: a view can take a window of it without copying.
    pub fn ranked(&self) -> impl Iterator<Item = &Candidate> + '_ {
        self.ranked
            .iter()
            .filter_map(|(_, _, i)| self.files.get(*i))
    }

    /// Every candidate, in the order they were first found (stable indices for a view).
    pub fn found(&self) -> &[Candidate] {
        &self.files
    }

    pub fn candidate(&self, sha256: &str) -> Option<&Candidate> {
        self.file_index.get(sha256).and_then(|&i| self.files.get(i))
    }

    pub fn totals(&self) -> Totals {
        Totals {
            files: self.files.len(),
            bytes: self.bytes,
            submissions_total_known: self.subs.len(),
            submissions_scanned: self.trees.loaded,
            partial_submissions: self.trees.partial,
            hidden_submissions: self.trees.filtered,
            failed_submissions: self.trees.failed,
            already_collected: self.skipped,
            trees_in_flight: self.trees.in_flight,
            trees_queued: self.trees.queued,
        }
    }

    /// Changes whenever the failures may have changed: a view rebuilds its list only then.
    pub fn failures_version(&self) -> u64 {
        self.failures_version
            .wrapping_add(self.downloads.as_ref().map_or(0, |d| d.version()))
    }

    /// The user's "Retry failed": every failed file and every failed tree is queued again,
    /// each file with a fresh automatic retry.
    pub fn retry_failed(&mut self) {
        let failed: Vec<usize> = (0..self.subs.len())
            .filter(|&i| matches!(self.subs[i].state, TreeState::Failed(_)))
            .collect();
        for i in failed {
            self.set_tree_state(i, TreeState::Queued);
            self.tree_queue.push_back(i);
        }
        self.retry_failed_downloads();
    }

    /// Index of `sid`, adding it in `state` when it was not known.
    fn submission(&mut self, sid: &str, state: TreeState) -> usize {
        if let Some(&i) = self.sub_index.get(sid) {
            return i;
        }
        self.trees.shift(&state, 1);
        self.subs.push(Submission {
            sid: sid.to_string(),
            state,
            analysis: None,
            ever_loaded: false,
            note: None,
        });
        let i = self.subs.len() - 1;
        self.sub_index.insert(sid.to_string(), i);
        i
    }

    fn set_note(&mut self, i: usize, note: Option<SubmissionNote>) {
        if let Some(s) = self.subs.get_mut(i) {
            if s.note == note {
                return;
            }
            self.noted = self.noted + usize::from(note.is_some()) - usize::from(s.note.is_some());
            self.notes_version += 1;
            s.note = note;
        }
    }

    fn set_tree_state(&mut self, i: usize, state: TreeState) {
        let Some(s) = self.subs.get_mut(i) else {
            return;
        };
        let was_failed = matches!(s.state, TreeState::Failed(_));
        self.trees.shift(&s.state, -1);
        self.trees.shift(&state, 1);
        if was_failed || matches!(state, TreeState::Failed(_)) {
            self.failures_version += 1;
        }
        s.state = state;
    }

    /// `again`: this submission was folded in before, so a candidate may already list it.
    fn merge(&mut self, hit: qualify::Hit, sid: &str, partial: bool, again: bool) {
        let i = match self.file_index.get(&hit.sha256) {
            Some(&i) => i,
            None => {
                let i = self.files.len();
                let already_collected = self.skip.contains(&hit.sha256);
                self.skipped += usize::from(already_collected);
                self.files.push(Candidate {
                    sha256: hit.sha256.clone(),
                    names: Vec::new(),
                    file_type: hit.file_type.clone(),
                    size: hit.size,
                    score: hit.score,
                    submissions: Vec::new(),
                    partial: false,
                    already_collected,
                });
                self.file_index.insert(hit.sha256.clone(), i);
                self.ranked
                    .insert((Reverse(hit.score), hit.sha256.clone(), i));
                self.bytes = self.bytes.saturating_add(hit.size);
                // A file found while downloading joins the queue rather than vanish.
                if let Some(d) = self.downloads.as_mut().filter(|_| !already_collected) {
                    d.enqueue(i, hit.size);
                }
                i
            }
        };
        let Some(c) = self.files.get_mut(i) else {
            return;
        };
        if hit.score > c.score {
            self.ranked.remove(&(Reverse(c.score), c.sha256.clone(), i));
            self.ranked
                .insert((Reverse(hit.score), c.sha256.clone(), i));
            c.score = hit.score;
        }
        let listed = if again {
            c.submissions.iter_mut().find(|x| x.sid == sid)
        } else {
            None
        };
        match listed {
            Some(x) => {
                x.score = x.score.max(hit.score);
                x.partial = partial;
                c.partial = c.submissions.iter().any(|x| x.partial);
            }
            None => {
                c.submissions.push(SidScore {
                    sid: sid.to_string(),
                    score: hit.score,
                    partial,
                });
                c.partial |= partial;
            }
        }
        for name in hit.names {
            if !c.names.contains(&name) {
                c.names.push(name);
            }
        }
    }
}

#[cfg(test)]
mod incremental_tests;
#[cfg(test)]
mod tests;
