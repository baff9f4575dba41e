//! The collection: find qualifying files (search hits → submission trees), let the analyst
//! preview them, then download them one by one. Pure state; the browser loop asks what to
//! fetch next and reports what happened, and every number the UI shows is computed from this
//! state, so progress cannot drift from what really happened.
//!
//! The rule is the seed exercise's: in each submission a file's score is the sum of its result
//! scores there (the tree node's `score`, summed by the server), and the file qualifies when
//! that score is >= the threshold. Across submissions one entry per sha256 is kept. Everything
//! in an entry comes from the submissions where the file qualified: its score is the highest
//! of those, its SIDs are those (with the score in each), its names are the names it had
//! there. A submission where the same file scored lower is not listed: the seed downloads the
//! file because it qualified once, and the manifest says where.

use std::collections::{HashMap, VecDeque};

use super::api::{is_sha256, SubmissionHit, SubmissionTree, TreeNode};
use super::bundle::{FailureKind, ManifestFailure};

mod download;
use download::Download;
#[cfg(test)]
use download::NOT_SCANNED;

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
    pub failed_submissions: usize,
    pub trees_in_flight: usize,
    pub trees_queued: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub total: usize,
    pub downloaded: usize,
    pub failed: usize,
    pub in_flight: usize,
    pub queued: usize,
    /// cART bytes downloaded and verified.
    pub bytes: u64,
    /// Unpacked size of every file in the download set.
    pub expected_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadJob {
    pub sha256: String,
    pub name: String,
    pub sid: String,
    pub expected_size: u64,
}

#[derive(Clone, Debug, PartialEq)]
enum TreeState {
    Queued,
    InFlight,
    Loaded { partial: bool },
    Failed(String),
}

struct Submission {
    sid: String,
    state: TreeState,
}

struct Hit {
    sha256: String,
    score: i64,
    names: Vec<String>,
    file_type: String,
    size: u64,
}

pub struct Collection {
    query: String,
    threshold: i64,
    subs: Vec<Submission>,
    sub_index: HashMap<String, usize>,
    tree_queue: VecDeque<usize>,
    files: HashMap<String, Candidate>,
    /// Qualifying tree nodes whose sha256 is malformed: never a zip entry, but reported.
    rejected: Vec<ManifestFailure>,
    /// Set by `start_download`: the order files were queued in, and each one's state.
    downloads: Option<(Vec<String>, HashMap<String, Download>)>,
    download_queue: VecDeque<String>,
}

impl Collection {
    pub fn new(query: String, threshold: i64) -> Self {
        Collection {
            query,
            threshold,
            subs: Vec::new(),
            sub_index: HashMap::new(),
            tree_queue: VecDeque::new(),
            files: HashMap::new(),
            rejected: Vec::new(),
            downloads: None,
            download_queue: VecDeque::new(),
        }
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
            let i = self.submission(&hit.sid);
            if let Some(s) = self.subs.get_mut(i) {
                s.state = TreeState::Queued;
            }
            self.tree_queue.push_back(i);
        }
    }

    /// The sid whose tree to fetch next, now marked in flight.
    pub fn next_tree(&mut self) -> Option<String> {
        while let Some(i) = self.tree_queue.pop_front() {
            if let Some(s) = self
                .subs
                .get_mut(i)
                .filter(|s| s.state == TreeState::Queued)
            {
                s.state = TreeState::InFlight;
                return Some(s.sid.clone());
            }
        }
        None
    }

    /// Folds a tree in. Loading a sid twice is harmless: a file that qualified stays, with
    /// the higher score and the union of names, and the latest `partial` flag.
    pub fn tree_loaded(&mut self, sid: &str, tree: &SubmissionTree) {
        let i = self.submission(sid);
        if let Some(s) = self.subs.get_mut(i) {
            s.state = TreeState::Loaded {
                partial: tree.partial,
            };
        }
        for hit in qualifying(tree, self.threshold, sid, &mut self.rejected) {
            self.merge(hit, sid, tree.partial);
        }
    }

    /// The submission is listed as a failure with `reason`; `retry_failed` tries it again.
    pub fn tree_failed(&mut self, sid: &str, reason: String) {
        let i = self.submission(sid);
        if let Some(s) = self.subs.get_mut(i) {
            s.state = TreeState::Failed(reason);
        }
    }

    /// Qualifying files, highest score first, then by sha256.
    pub fn candidates(&self) -> Vec<&Candidate> {
        let mut all: Vec<&Candidate> = self.files.values().collect();
        all.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.sha256.cmp(&b.sha256)));
        all
    }

    pub fn totals(&self) -> Totals {
        let count =
            |f: &dyn Fn(&TreeState) -> bool| self.subs.iter().filter(|s| f(&s.state)).count();
        Totals {
            files: self.files.len(),
            bytes: self
                .files
                .values()
                .map(|c| c.size)
                .fold(0u64, u64::saturating_add),
            submissions_total_known: self.subs.len(),
            submissions_scanned: count(&|s| matches!(s, TreeState::Loaded { .. })),
            partial_submissions: count(&|s| matches!(s, TreeState::Loaded { partial: true })),
            failed_submissions: count(&|s| matches!(s, TreeState::Failed(_))),
            trees_in_flight: count(&|s| *s == TreeState::InFlight),
            trees_queued: count(&|s| *s == TreeState::Queued),
        }
    }

    /// The user's "Retry failed": every failed file and every failed tree is queued again,
    /// each file with a fresh automatic retry.
    pub fn retry_failed(&mut self) {
        for (i, s) in self.subs.iter_mut().enumerate() {
            if matches!(s.state, TreeState::Failed(_)) {
                s.state = TreeState::Queued;
                self.tree_queue.push_back(i);
            }
        }
        if let Some((order, states)) = self.downloads.as_mut() {
            for sha256 in order.iter() {
                if let Some(state) = states
                    .get_mut(sha256)
                    .filter(|s| matches!(s, Download::Failed(_)))
                {
                    *state = Download::Queued { retried: false };
                    self.download_queue.push_back(sha256.clone());
                }
            }
        }
    }

    /// Index of `sid`, adding it (not queued) when it was not known.
    fn submission(&mut self, sid: &str) -> usize {
        if let Some(&i) = self.sub_index.get(sid) {
            return i;
        }
        self.subs.push(Submission {
            sid: sid.to_string(),
            state: TreeState::InFlight,
        });
        let i = self.subs.len() - 1;
        self.sub_index.insert(sid.to_string(), i);
        i
    }

    fn merge(&mut self, hit: Hit, sid: &str, partial: bool) {
        let c = self
            .files
            .entry(hit.sha256.clone())
            .or_insert_with(|| Candidate {
                sha256: hit.sha256.clone(),
                names: Vec::new(),
                file_type: hit.file_type.clone(),
                size: hit.size,
                score: hit.score,
                submissions: Vec::new(),
                partial: false,
            });
        c.score = c.score.max(hit.score);
        match c.submissions.iter_mut().find(|x| x.sid == sid) {
            Some(x) => {
                x.score = x.score.max(hit.score);
                x.partial = partial;
            }
            None => c.submissions.push(SidScore {
                sid: sid.to_string(),
                score: hit.score,
                partial,
            }),
        }
        c.partial = c.submissions.iter().any(|x| x.partial);
        for name in hit.names {
            if !c.names.contains(&name) {
                c.names.push(name);
            }
        }
        // A file found after the download started joins the queue rather than vanish.
        if let Some((order, states)) = self.downloads.as_mut() {
            if !states.contains_key(&hit.sha256) {
                order.push(hit.sha256.clone());
                states.insert(hit.sha256.clone(), Download::Queued { retried: false });
                self.download_queue.push_back(hit.sha256);
            }
        }
    }
}

/// The files of one tree scoring >= threshold, each once, with every name it has anywhere in
/// the tree. Walks with an explicit stack: a file may sit at several depths, under several
/// parents, and the nesting comes from the server.
fn qualifying(
    tree: &SubmissionTree,
    threshold: i64,
    sid: &str,
    rejected: &mut Vec<ManifestFailure>,
) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    // Reversed pushes make the pops a pre-order walk in key order, so "first seen" is stable.
    let mut stack: Vec<(&String, &TreeNode)> = tree.tree.iter().rev().collect();
    while let Some((key, node)) = stack.pop() {
        stack.extend(node.children.iter().rev());
        if node.score < threshold {
            continue;
        }
        let text = if node.sha256.is_empty() {
            key
        } else {
            &node.sha256
        };
        let sha256 = text.trim().to_ascii_lowercase();
        if !is_sha256(&sha256) {
            if !rejected
                .iter()
                .any(|r| r.sha256 == *text && r.sids.iter().any(|s| s == sid))
            {
                rejected.push(ManifestFailure {
                    kind: FailureKind::File,
                    sha256: text.clone(),
                    names: node.name.clone(),
                    sids: vec![sid.to_string()],
                    score: node.score,
                    reason: "the server gave this file an invalid sha256; it was not downloaded"
                        .into(),
                });
            }
            continue;
        }
        let i = match hits.iter().position(|h| h.sha256 == sha256) {
            Some(i) => i,
            None => {
                hits.push(Hit {
                    sha256,
                    score: node.score,
                    names: Vec::new(),
                    file_type: node.file_type.clone(),
                    size: node.size,
                });
                hits.len() - 1
            }
        };
        if let Some(h) = hits.get_mut(i) {
            h.score = h.score.max(node.score);
            for name in &node.name {
                if !h.names.contains(name) {
                    h.names.push(name.clone());
                }
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests;
