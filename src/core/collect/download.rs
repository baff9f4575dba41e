//! The download phase of a collection: the queue, one automatic retry, the size guard, and
//! progress counters kept as files change state (read in O(1)).

use std::collections::VecDeque;

use super::{Collection, TreeState};

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Download {
    Queued { retried: bool },
    InFlight { retried: bool },
    Verified { cart_size: u64 },
    Failed(String),
}

pub(super) const NOT_SCANNED: &str =
    "not scanned: the download started before this submission's tree was fetched";

/// How many files of the download set are in each state, and their bytes: what the Collect
/// tab shows as the collection's progress.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DownloadCounts {
    pub total: usize,
    pub downloaded: usize,
    pub failed: usize,
    pub in_flight: usize,
    pub queued: usize,
    /// cART bytes downloaded and verified.
    pub bytes: u64,
    /// Unpacked size of every file in the download set.
    pub expected_bytes: u64,
    /// Unpacked size of the files downloading or downloaded: what the size guard counts.
    pub admitted_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadJob {
    pub sha256: String,
    pub name: String,
    pub sid: String,
    pub expected_size: u64,
}

/// What a worker should do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    Tree(String),
    Download(DownloadJob),
    /// Nothing to start now; more may come (a tree or a download still under way, a search
    /// page, the user's answer to the size guard).
    Wait,
}

/// Download states by candidate index, and their counters.
pub(super) struct Downloads {
    states: Vec<Option<Download>>,
    /// Candidate indices in the order they joined the download set.
    order: Vec<usize>,
    queue: VecDeque<usize>,
    counts: DownloadCounts,
    /// Ask before the admitted bytes pass this (one-click runs).
    guard: Option<u64>,
    guard_tripped: bool,
    version: u64,
}

impl Downloads {
    fn new(guard: Option<u64>) -> Downloads {
        Downloads {
            states: Vec::new(),
            order: Vec::new(),
            queue: VecDeque::new(),
            counts: DownloadCounts::default(),
            guard,
            guard_tripped: false,
            version: 0,
        }
    }

    pub(super) fn version(&self) -> u64 {
        self.version
    }

    /// Adds candidate `i` (of unpacked `size`) to the set, queued.
    pub(super) fn enqueue(&mut self, i: usize, size: u64) {
        if self.states.len() <= i {
            self.states.resize(i + 1, None);
        }
        if self.states[i].is_some() {
            return;
        }
        self.states[i] = Some(Download::Queued { retried: false });
        self.order.push(i);
        self.queue.push_back(i);
        self.counts.total += 1;
        self.counts.queued += 1;
        self.counts.expected_bytes = self.counts.expected_bytes.saturating_add(size);
    }

    fn state(&self, i: usize) -> Option<&Download> {
        self.states.get(i).and_then(Option::as_ref)
    }

    /// Moves candidate `i` to `next`, keeping every counter in step.
    fn set(&mut self, i: usize, size: u64, next: Download) {
        let Some(slot) = self.states.get_mut(i) else {
            return;
        };
        let c = &mut self.counts;
        match slot.take() {
            Some(Download::Queued { .. }) => c.queued -= 1,
            Some(Download::InFlight { .. }) => {
                c.in_flight -= 1;
                c.admitted_bytes -= size;
            }
            Some(Download::Verified { cart_size }) => {
                c.downloaded -= 1;
                c.bytes -= cart_size;
                c.admitted_bytes -= size;
            }
            Some(Download::Failed(_)) => {
                c.failed -= 1;
                self.version += 1;
            }
            None => {}
        }
        match &next {
            Download::Queued { .. } => c.queued += 1,
            Download::InFlight { .. } => {
                c.in_flight += 1;
                c.admitted_bytes += size;
            }
            Download::Verified { cart_size } => {
                c.downloaded += 1;
                c.bytes += cart_size;
                c.admitted_bytes += size;
            }
            Download::Failed(_) => {
                c.failed += 1;
                self.version += 1;
            }
        }
        *slot = Some(next);
    }

    pub(super) fn retry_failed(&mut self, size_of: impl Fn(usize) -> u64) {
        for k in 0..self.order.len() {
            let i = self.order[k];
            if matches!(self.state(i), Some(Download::Failed(_))) {
                self.set(i, size_of(i), Download::Queued { retried: false });
                self.queue.push_back(i);
            }
        }
        // Asking for the rest is the answer to the size guard.
        self.guard = None;
        self.guard_tripped = false;
    }
}

impl Collection {
    /// Starts downloading after a preview: the candidates, best first, form the queue. Trees
    /// never fetched are marked failed ("not scanned") so the manifest shows them; a tree that
    /// lands later (in flight now, or retried) still adds its new files to the queue, so
    /// nothing found is lost.
    pub fn start_download(&mut self) {
        if self.downloads.is_some() {
            return;
        }
        let queued: Vec<usize> = (0..self.subs.len())
            .filter(|&i| self.subs[i].state == TreeState::Queued)
            .collect();
        for i in queued {
            self.set_tree_state(i, TreeState::Failed(NOT_SCANNED.into()));
        }
        self.tree_queue.clear();
        self.begin_downloads(None);
    }

    /// One click: every file downloads as soon as it qualifies, while later pages and trees
    /// still load. `guard` holds files back once their unpacked sizes would pass it, until
    /// the user says to go on (`lift_guard`) or to stop (`abandon`).
    pub fn collect_as_found(&mut self, guard: Option<u64>) {
        if self.downloads.is_none() {
            self.begin_downloads(guard);
        }
    }

    fn begin_downloads(&mut self, guard: Option<u64>) {
        let mut d = Downloads::new(guard);
        for (_, _, i) in &self.ranked {
            if let Some(c) = self.files.get(*i).filter(|c| !c.already_collected) {
                d.enqueue(*i, c.size);
            }
        }
        self.downloads = Some(d);
    }

    pub fn is_downloading(&self) -> bool {
        self.downloads.is_some()
    }

    /// The next thing to fetch: trees first (they find the files), then downloads.
    pub fn next_job(&mut self) -> Next {
        if let Some(sid) = self.next_tree() {
            return Next::Tree(sid);
        }
        match self.next_download() {
            Some(job) => Next::Download(job),
            None => Next::Wait,
        }
    }

    pub fn next_download(&mut self) -> Option<DownloadJob> {
        let d = self.downloads.as_mut()?;
        while let Some(&i) = d.queue.front() {
            let Some(Download::Queued { retried }) = d.state(i).cloned() else {
                d.queue.pop_front();
                continue;
            };
            let c = self.files.get(i)?;
            if let Some(limit) = d.guard {
                if d.counts.admitted_bytes.saturating_add(c.size) > limit {
                    d.guard_tripped = true;
                    return None;
                }
            }
            d.queue.pop_front();
            d.set(i, c.size, Download::InFlight { retried });
            return Some(DownloadJob {
                sha256: c.sha256.clone(),
                name: c.download_name(),
                sid: c.best_sid().to_string(),
                expected_size: c.size,
            });
        }
        None
    }

    /// The size guard's limit when it is holding files back, waiting for the user.
    pub fn guard_tripped(&self) -> Option<u64> {
        let d = self.downloads.as_ref()?;
        d.guard.filter(|_| d.guard_tripped && d.counts.queued > 0)
    }

    /// The user said to go on past the size guard.
    pub fn lift_guard(&mut self) {
        if let Some(d) = self.downloads.as_mut() {
            d.guard = None;
            d.guard_tripped = false;
        }
    }

    /// Ends the run here: trees and files not started yet are listed as failures with
    /// `reason` (Retry failed picks them up).
    pub fn abandon(&mut self, reason: &str) {
        let queued: Vec<usize> = (0..self.subs.len())
            .filter(|&i| self.subs[i].state == TreeState::Queued)
            .collect();
        for i in queued {
            self.set_tree_state(i, TreeState::Failed(format!("not scanned: {reason}")));
        }
        self.tree_queue.clear();
        let Some(d) = self.downloads.as_mut() else {
            return;
        };
        while let Some(i) = d.queue.pop_front() {
            if matches!(d.state(i), Some(Download::Queued { .. })) {
                let size = self.files.get(i).map_or(0, |c| c.size);
                d.set(
                    i,
                    size,
                    Download::Failed(format!("not downloaded: {reason}")),
                );
            }
        }
        d.guard_tripped = false;
    }

    /// Reports a job handed out by `next_download`; reports for files not in flight (a late
    /// answer after a cancel, a typo) are ignored rather than trusted.
    pub fn download_verified(&mut self, sha256: &str, cart_size: u64) {
        if let Some((d, i, size, _)) = self.in_flight(sha256) {
            d.set(i, size, Download::Verified { cart_size });
        }
    }

    /// `retry_once` marks failures worth one automatic retry (a download that did not verify
    /// may be a network hiccup); a second such failure, or any other, is final until the user
    /// asks for `retry_failed`.
    pub fn download_failed(&mut self, sha256: &str, reason: String, retry_once: bool) {
        let Some((d, i, size, retried)) = self.in_flight(sha256) else {
            return;
        };
        if retry_once && !retried {
            d.set(i, size, Download::Queued { retried: true });
            d.queue.push_back(i);
        } else {
            d.set(i, size, Download::Failed(reason));
        }
    }

    /// The zip holding these verified files could not be saved: they count as failed again
    /// (with `reason`), so they are listed and Retry failed fetches them.
    pub fn zip_lost(&mut self, sha256s: &[String], reason: &str) {
        for sha256 in sha256s {
            let Some(&i) = self.file_index.get(sha256) else {
                continue;
            };
            let size = self.files.get(i).map_or(0, |c| c.size);
            if let Some(d) = self.downloads.as_mut() {
                if matches!(d.state(i), Some(Download::Verified { .. })) {
                    d.set(i, size, Download::Failed(reason.to_string()));
                }
            }
        }
    }

    /// True once downloading started and nothing is queued or under way, trees included.
    pub fn is_finished(&self) -> bool {
        let t = self.totals();
        let p = self.progress();
        self.downloads.is_some()
            && t.trees_in_flight == 0
            && t.trees_queued == 0
            && p.queued == 0
            && p.in_flight == 0
    }

    pub fn progress(&self) -> DownloadCounts {
        self.downloads
            .as_ref()
            .map_or_else(DownloadCounts::default, |d| d.counts.clone())
    }

    pub(super) fn download_state(&self, i: usize) -> Option<&Download> {
        self.downloads.as_ref().and_then(|d| d.state(i))
    }

    pub(super) fn retry_failed_downloads(&mut self) {
        let files = &self.files;
        if let Some(d) = self.downloads.as_mut() {
            d.retry_failed(|i| files.get(i).map_or(0, |c| c.size));
        }
    }

    fn in_flight(&mut self, sha256: &str) -> Option<(&mut Downloads, usize, u64, bool)> {
        let i = *self.file_index.get(sha256)?;
        let size = self.files.get(i).map_or(0, |c| c.size);
        let d = self.downloads.as_mut()?;
        match d.state(i) {
            Some(Download::InFlight { retried }) => {
                let retried = *retried;
                Some((d, i, size, retried))
            }
            _ => None,
        }
    }
}
