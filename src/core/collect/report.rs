//! What a collection reports: everything not collected with its reason, and the manifest.
//! Built once per zip or per changed view, never per event.

use super::download::Download;
use super::{Candidate, Collection, TreeState};
use crate::core::bundle::{FailureKind, Manifest, ManifestFailure, ManifestFile};

impl Collection {
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

    /// How many entries `failures` would list, in O(1) while a run goes on.
    pub fn failure_count(&self) -> usize {
        let t = self.totals();
        let p = self.progress();
        let unsettled = if self.is_downloading() { 0 } else { t.files };
        t.failed_submissions + self.rejected.len() + p.failed + unsettled
    }

    /// True when something was not collected (or not scanned) for a reason Retry failed can
    /// address; O(1).
    pub fn has_failures(&self) -> bool {
        let t = self.totals();
        t.failed_submissions > 0 || !self.rejected.is_empty() || self.progress().failed > 0
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
        for (_, _, i) in &self.ranked {
            let Some(c) = self.files.get(*i).filter(|c| !c.already_collected) else {
                continue;
            };
            let reason = match self.download_state(*i) {
                Some(Download::Verified { .. }) => continue,
                Some(Download::Failed(reason)) => reason.clone(),
                Some(_) | None if !run_over => continue,
                Some(_) => {
                    "not downloaded: the collection was stopped before this file".to_string()
                }
                None => "not downloaded".to_string(),
            };
            out.push(file_failure(c, reason));
        }
        out
    }

    pub fn manifest(&self, server: &str, user: &str, started: &str, finished: &str) -> Manifest {
        let files = self
            .ranked
            .iter()
            .filter_map(|(_, _, i)| match self.download_state(*i) {
                Some(Download::Verified { cart_size }) => {
                    self.files.get(*i).map(|c| manifest_file(c, *cart_size))
                }
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
            already_collected: self
                .ranked()
                .filter(|c| c.already_collected)
                .map(|c| c.sha256.clone())
                .collect(),
        }
    }
}

fn file_failure(c: &Candidate, reason: String) -> ManifestFailure {
    ManifestFailure {
        kind: FailureKind::File,
        sha256: c.sha256.clone(),
        names: c.names.clone(),
        sids: c.submissions.iter().map(|s| s.sid.clone()).collect(),
        score: c.score,
        reason,
    }
}

fn manifest_file(c: &Candidate, cart_size: u64) -> ManifestFile {
    ManifestFile {
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
        cart_size,
        verified: true,
    }
}
