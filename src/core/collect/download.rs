//! The download phase of a collection: the frozen queue, one automatic retry, progress read
//! from the state, and the manifest of what was and was not collected.

use super::{Collection, DownloadJob, Progress, TreeState};
use crate::core::bundle::{FailureKind, Manifest, ManifestFailure, ManifestFile};

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Download {
    Queued { retried: bool },
    InFlight { retried: bool },
    Verified { cart_size: u64 },
    Failed(String),
}

pub(super) const NOT_SCANNED: &str =
    "not scanned: the download started before this submission's tree was fetched";

impl Collection {
    /// Snapshots the candidates, best first, into the download queue. Trees never fetched are
    /// marked failed ("not scanned") so the manifest shows them; a tree that lands later (in
    /// flight now, or retried) still adds its new files to the queue, so nothing found is lost.
    pub fn start_download(&mut self) {
        if self.downloads.is_some() {
            return;
        }
        for s in &mut self.subs {
            if s.state == TreeState::Queued {
                s.state = TreeState::Failed(NOT_SCANNED.into());
            }
        }
        self.tree_queue.clear();
        let order: Vec<String> = self.candidates().iter().map(|c| c.sha256.clone()).collect();
        let states = order
            .iter()
            .map(|s| (s.clone(), Download::Queued { retried: false }))
            .collect();
        self.download_queue = order.iter().cloned().collect();
        self.downloads = Some((order, states));
    }

    pub fn next_download(&mut self) -> Option<DownloadJob> {
        let (_, states) = self.downloads.as_mut()?;
        while let Some(sha256) = self.download_queue.pop_front() {
            let Some(state) = states.get_mut(&sha256) else {
                continue;
            };
            let Download::Queued { retried } = *state else {
                continue;
            };
            let Some(c) = self.files.get(&sha256) else {
                continue;
            };
            *state = Download::InFlight { retried };
            return Some(DownloadJob {
                sha256,
                name: c.download_name(),
                sid: c.best_sid().to_string(),
                expected_size: c.size,
            });
        }
        None
    }

    /// Reports a job handed out by `next_download`; reports for files not in flight (a late
    /// answer after a cancel, a typo) are ignored rather than trusted.
    pub fn download_verified(&mut self, sha256: &str, cart_size: u64) {
        if let Some(state) = self.in_flight(sha256) {
            *state = Download::Verified { cart_size };
        }
    }

    /// `retry_once` marks failures worth one automatic retry (a download that did not verify
    /// may be a network hiccup); a second such failure, or any other, is final until the user
    /// asks for `retry_failed`.
    pub fn download_failed(&mut self, sha256: &str, reason: String, retry_once: bool) {
        let Some(state) = self.in_flight(sha256) else {
            return;
        };
        let retried = matches!(state, Download::InFlight { retried: true });
        if retry_once && !retried {
            *state = Download::Queued { retried: true };
            self.download_queue.push_back(sha256.to_string());
        } else {
            *state = Download::Failed(reason);
        }
    }

    /// The zip holding these verified files could not be saved: they count as failed again
    /// (with `reason`), so they are listed and Retry failed fetches them.
    pub fn zip_lost(&mut self, sha256s: &[String], reason: &str) {
        let Some((_, states)) = self.downloads.as_mut() else {
            return;
        };
        for sha256 in sha256s {
            if let Some(state @ Download::Verified { .. }) = states.get_mut(sha256) {
                *state = Download::Failed(reason.to_string());
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

    pub fn progress(&self) -> Progress {
        let Some((order, states)) = &self.downloads else {
            return Progress::default();
        };
        let mut p = Progress {
            total: order.len(),
            ..Progress::default()
        };
        for sha256 in order {
            p.expected_bytes = p
                .expected_bytes
                .saturating_add(self.files.get(sha256).map_or(0, |c| c.size));
            match states.get(sha256) {
                Some(Download::Queued { .. }) => p.queued += 1,
                Some(Download::InFlight { .. }) => p.in_flight += 1,
                Some(Download::Verified { cart_size }) => {
                    p.downloaded += 1;
                    p.bytes = p.bytes.saturating_add(*cart_size);
                }
                Some(Download::Failed(_)) => p.failed += 1,
                None => {}
            }
        }
        p
    }

    /// Everything that was not collected, with the reason: failed or unscanned submissions,
    /// malformed sha256s, and qualifying files that did not end up verified.
    pub fn failures(&self) -> Vec<ManifestFailure> {
        self.failures_when(true)
    }

    /// The failures settled while the download goes on, for a zip closed before the last:
    /// files still queued or downloading will land in a later zip, so they are not failures.
    pub fn settled_failures(&self) -> Vec<ManifestFailure> {
        self.failures_when(false)
    }

    fn failures_when(&self, run_over: bool) -> Vec<ManifestFailure> {
        let mut out: Vec<ManifestFailure> = self
            .subs
            .iter()
            .filter_map(|s| match &s.state {
                TreeState::Failed(reason) => Some(ManifestFailure {
                    kind: FailureKind::Submission,
                    sids: vec![s.sid.clone()],
                    reason: reason.clone(),
                    ..ManifestFailure::default()
                }),
                _ => None,
            })
            .collect();
        out.extend(self.rejected.iter().cloned());
        let states = self.downloads.as_ref().map(|(_, s)| s);
        for c in self.candidates() {
            let reason = match states.and_then(|s| s.get(&c.sha256)) {
                Some(Download::Verified { .. }) => continue,
                Some(Download::Failed(reason)) => reason.clone(),
                Some(_) if !run_over => continue,
                Some(_) => {
                    "not downloaded: the collection was stopped before this file".to_string()
                }
                None => "not downloaded".to_string(),
            };
            out.push(ManifestFailure {
                kind: FailureKind::File,
                sha256: c.sha256.clone(),
                names: c.names.clone(),
                sids: c.submissions.iter().map(|s| s.sid.clone()).collect(),
                score: c.score,
                reason,
            });
        }
        out
    }

    pub fn manifest(&self, server: &str, user: &str, started: &str, finished: &str) -> Manifest {
        let states = self.downloads.as_ref().map(|(_, s)| s);
        let files = self
            .candidates()
            .into_iter()
            .filter_map(|c| match states.and_then(|s| s.get(&c.sha256)) {
                Some(Download::Verified { cart_size }) => Some(ManifestFile {
                    sha256: c.sha256.clone(),
                    name: c.download_name(),
                    names: c.names.clone(),
                    file_type: c.file_type.clone(),
                    size: c.size,
                    score: c.score,
                    sids: c.submissions.iter().map(|s| s.sid.clone()).collect(),
                    sid_scores: c
                        .submissions
                        .iter()
                        .map(|s| (s.sid.clone(), s.score))
                        .collect(),
                    partial: c.partial,
                    cart_size: *cart_size,
                    verified: true,
                }),
                _ => None,
            })
            .collect();
        Manifest {
            server: server.to_string(),
            user: user.to_string(),
            query: self.query.clone(),
            threshold: self.threshold,
            started: started.to_string(),
            finished: finished.to_string(),
            files,
            failures: self.failures(),
        }
    }

    fn in_flight(&mut self, sha256: &str) -> Option<&mut Download> {
        let (_, states) = self.downloads.as_mut()?;
        states
            .get_mut(sha256)
            .filter(|s| matches!(s, Download::InFlight { .. }))
    }
}
