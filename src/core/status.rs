//! What a submission's `state`, `partial` and `filtered` mean, in an analyst's words.
//!
//! The server's flags do not say "still running":
//! - `filtered` is set when the user's classification hides a file; the tree then leaves out
//!   that file *and everything under it* and also sets `partial` (assemblyline-base
//!   `datastore/helper.py`, `get_or_create_file_tree`: `forbidden_files`; the summary likewise
//!   in `get_summary_from_keys`).
//! - `partial` is set while the submission is not `completed`, but also when file or result
//!   records are missing (purged, expired) or hidden (same function: `MultiKeyError`,
//!   `is_accessible`). The official UI words it "Some information about this submission is
//!   missing" (assemblyline-ui-frontend `locales/en/submission/detail.json`, `warning.partial`).
//!
//! So "still being analysed" is said only when the submission's `state` says so.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::api::{is_sha256, OntologyRecord, Summary};

/// One reason a submission's files or IoCs may not be all there is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gap {
    /// The server no longer has the submission the search returned.
    Deleted,
    /// Files hidden from this user by classification, with their subtrees.
    Hidden,
    /// State `submitted`: services still run, scores and tags may still grow.
    StillRunning,
    /// `partial` with no other explanation: records purged or hidden.
    Missing,
}

impl Gap {
    pub fn words(self) -> &'static str {
        match self {
            Gap::Deleted => "deleted since it was found",
            Gap::Hidden => {
                "some files of this submission are hidden from you by classification; files \
                 under them are hidden too"
            }
            Gap::StillRunning => "still being analysed",
            Gap::Missing => "some information about this submission is missing (purged or hidden)",
        }
    }

    /// The `status` cell of manifest.csv.
    pub fn status(self) -> &'static str {
        match self {
            Gap::Deleted => "submission deleted",
            Gap::Hidden => "files hidden",
            Gap::StillRunning | Gap::Missing => "submission incomplete",
        }
    }
}

/// Why one submission's results may be incomplete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionNote {
    pub sid: String,
    /// Most important first (`Gap`'s order).
    pub gaps: Vec<Gap>,
}

/// The submission state while services still run (assemblyline-base `odm/models/submission.py`,
/// `SUBMISSION_STATES = ['failed', 'submitted', 'completed']`).
pub const STATE_RUNNING: &str = "submitted";

impl SubmissionNote {
    /// The note for a tree or summary answer with these flags, and the submission's `state`
    /// when known (search hit or submission record); None when nothing is missing.
    pub fn from_flags(
        sid: &str,
        state: Option<&str>,
        partial: bool,
        filtered: bool,
    ) -> Option<SubmissionNote> {
        let running = state == Some(STATE_RUNNING);
        let mut gaps = Vec::new();
        if filtered {
            gaps.push(Gap::Hidden);
        }
        if running {
            gaps.push(Gap::StillRunning);
        }
        // Hiding sets `partial` too: it is then explained already.
        if partial && !filtered && !running {
            gaps.push(Gap::Missing);
        }
        (!gaps.is_empty()).then(|| SubmissionNote {
            sid: sid.to_string(),
            gaps,
        })
    }

    pub fn deleted(sid: &str) -> SubmissionNote {
        SubmissionNote {
            sid: sid.to_string(),
            gaps: vec![Gap::Deleted],
        }
    }

    /// True when the page needs the submission's `state` to word this answer: `partial`
    /// alone cannot tell "still running" from "records missing".
    pub fn needs_state(state: Option<&str>, partial: bool, filtered: bool) -> bool {
        state.is_none() && partial && !filtered
    }

    /// "still being analysed; some files … hidden too"
    pub fn words(&self) -> String {
        let words: Vec<&str> = self.gaps.iter().map(|g| g.words()).collect();
        words.join("; ")
    }

    /// "Submission <sid>: <words>."
    pub fn line(&self) -> String {
        format!("Submission {}: {}.", self.sid, self.words())
    }

    /// The manifest.csv `status` of the most important gap.
    pub fn status(&self) -> &'static str {
        self.gaps
            .first()
            .map_or("submission incomplete", |g| g.status())
    }
}

/// Files the summary names as producing tags that have no ontology record: the server skips
/// a result whose ontology file is missing from the filestore, or whose classification the
/// user may not see, and says so only in its log (assemblyline-ui `api/v4/ontology.py`,
/// `generate_ontology_file`). The summary's `map` (sha256 → tags) tells which files to expect.
pub fn files_without_ontology(summary: &Summary, records: &[OntologyRecord]) -> usize {
    let present: BTreeSet<&str> = records.iter().map(|r| r.file.sha256.as_str()).collect();
    summary
        .map
        .keys()
        .filter(|key| is_sha256(key) && !present.contains(key.as_str()))
        .count()
}

/// The IoC view's line for `files_without_ontology`.
pub fn ontology_gap_line(sid: &str, files: usize) -> String {
    let (n, have) = if files == 1 {
        ("1 file".to_string(), "has")
    } else {
        (format!("{files} files"), "have")
    };
    format!(
        "Submission {sid}: {n} with tags in the summary {have} no ontology record (the server \
         left them out: ontology file missing or hidden); their ontology-only tags are missing."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gaps(state: Option<&str>, partial: bool, filtered: bool) -> Vec<Gap> {
        SubmissionNote::from_flags("S", state, partial, filtered)
            .map(|n| n.gaps)
            .unwrap_or_default()
    }

    #[test]
    fn partial_is_still_running_only_when_the_state_says_so() {
        assert_eq!(gaps(Some("submitted"), true, false), [Gap::StillRunning]);
        assert_eq!(gaps(Some("completed"), true, false), [Gap::Missing]);
        assert_eq!(gaps(Some("failed"), true, false), [Gap::Missing]);
        assert_eq!(gaps(None, true, false), [Gap::Missing]);
        assert_eq!(gaps(Some("completed"), false, false), []);
        assert_eq!(gaps(None, false, false), []);
    }

    #[test]
    fn hidden_files_are_named_and_explain_partial() {
        assert_eq!(gaps(Some("completed"), true, true), [Gap::Hidden]);
        assert_eq!(
            gaps(Some("submitted"), true, true),
            [Gap::Hidden, Gap::StillRunning]
        );
        let note = SubmissionNote::from_flags("S9", Some("completed"), true, true).unwrap();
        assert_eq!(
            note.line(),
            "Submission S9: some files of this submission are hidden from you by \
             classification; files under them are hidden too."
        );
        assert_eq!(note.status(), "files hidden");
    }

    #[test]
    fn words_match_the_official_meaning() {
        let missing = SubmissionNote::from_flags("S", Some("completed"), true, false).unwrap();
        assert_eq!(
            missing.words(),
            "some information about this submission is missing (purged or hidden)"
        );
        assert_eq!(missing.status(), "submission incomplete");
        let deleted = SubmissionNote::deleted("S2");
        assert_eq!(deleted.line(), "Submission S2: deleted since it was found.");
        assert_eq!(deleted.status(), "submission deleted");
    }

    #[test]
    fn files_the_ontology_left_out_are_counted() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let summary: Summary = serde_json::from_value(serde_json::json!({"map": {
            a.clone(): ["network.static.ip__1.2.3.4"], b.clone(): ["network.static.ip__1.2.3.4"],
            "network.static.ip__1.2.3.4": [a, b]}}))
        .unwrap();
        let record = |sha: &str| -> OntologyRecord {
            serde_json::from_value(serde_json::json!({"file": {"sha256": sha}})).unwrap()
        };
        assert_eq!(
            files_without_ontology(&summary, &[record(&"a".repeat(64))]),
            1
        );
        assert_eq!(
            files_without_ontology(
                &summary,
                &[record(&"a".repeat(64)), record(&"b".repeat(64))]
            ),
            0
        );
        assert!(ontology_gap_line("S", 1)
            .starts_with("Submission S: 1 file with tags in the summary has no"));
        assert!(ontology_gap_line("S", 2).contains("2 files with tags in the summary have no"));
    }

    #[test]
    fn the_state_is_needed_only_for_an_unexplained_partial() {
        assert!(SubmissionNote::needs_state(None, true, false));
        assert!(!SubmissionNote::needs_state(Some("completed"), true, false));
        assert!(!SubmissionNote::needs_state(None, true, true));
        assert!(!SubmissionNote::needs_state(None, false, false));
    }
}
