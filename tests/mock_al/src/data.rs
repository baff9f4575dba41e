//! The one underlying store every endpoint is derived from: files, submissions, results.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::Value;

use crate::content::FileKind;
use crate::util::{self, Rng};

pub const CLEAR: &str = "TLP:CLEAR";
pub const GREEN: &str = "TLP:GREEN";
pub const AMBER: &str = "TLP:AMBER";

const LEVELS: [&str; 4] = [CLEAR, GREEN, AMBER, "TLP:AMBER+STRICT"];

/// Classification order for max/min; the mock's users are cleared for all of them.
pub fn c12n_rank(c: &str) -> usize {
    LEVELS.iter().position(|x| *x == c).unwrap_or(0)
}

pub fn c12n_max(a: &str, b: &str) -> &'static str {
    LEVELS[c12n_rank(a).max(c12n_rank(b))]
}

pub fn c12n_min(a: &str, b: &str) -> &'static str {
    LEVELS[c12n_rank(a).min(c12n_rank(b))]
}

pub struct FileRec {
    pub sha256: String,
    pub sha1: String,
    pub md5: String,
    pub size: u64,
    pub kind: FileKind,
    pub entropy: f64,
    pub classification: &'static str,
    pub head: Vec<u8>,
    /// `None` models a file record whose blob is missing from the filestore.
    pub bytes: Option<Arc<Vec<u8>>>,
}

#[derive(Clone, Copy)]
pub struct Svc {
    pub name: &'static str,
    pub version: &'static str,
    pub tool: Option<&'static str>,
    pub conf: &'static str,
}

#[derive(Clone)]
pub struct Heur {
    pub heur_id: String,
    pub name: String,
    pub score: i64,
    /// (attack_id, pattern, categories)
    pub attack: Vec<(String, String, Vec<String>)>,
    pub signatures: Vec<String>,
}

#[derive(Clone)]
pub struct Section {
    pub title: String,
    pub body: String,
    pub body_format: &'static str,
    pub classification: &'static str,
    pub heuristic: Option<Heur>,
    /// Flat dotted tag type → value, in the order the service raised them.
    pub tags: Vec<(String, Value)>,
    pub safelisted: Vec<(String, String)>,
}

#[derive(Clone)]
pub struct ResultRec {
    pub sha256: String,
    pub svc: Svc,
    pub sections: Vec<Section>,
    /// (name, sha256) of files this service extracted.
    pub extracted: Vec<(String, String)>,
    pub classification: &'static str,
    pub created: String,
}

impl ResultRec {
    /// AL's result score is the aggregate of its sections' heuristic scores.
    pub fn score(&self) -> i64 {
        self.sections
            .iter()
            .filter_map(|s| s.heuristic.as_ref())
            .map(|h| h.score)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.extracted.is_empty() && self.sections.is_empty() && self.score() == 0
    }

    pub fn has_tags(&self) -> bool {
        self.sections
            .iter()
            .any(|s| !s.tags.is_empty() || !s.safelisted.is_empty())
    }

    pub fn key(&self) -> String {
        let mut k = format!(
            "{}.{}.v{}.c{}",
            self.sha256,
            self.svc.name.replace('.', "_"),
            self.svc.version.replace('.', "_"),
            self.svc.conf
        );
        if self.is_empty() {
            k.push_str(".e");
        }
        k
    }

    /// The service writes an ontology supplementary file only when it raised tags.
    pub fn ontology_sha256(&self) -> Option<String> {
        self.has_tags()
            .then(|| util::sha256_hex(format!("ontology:{}", self.key()).as_bytes()))
    }
}

#[derive(Clone)]
pub struct ErrorRec {
    pub sha256: String,
    pub svc: Svc,
    pub message: String,
    pub etype: &'static str,
    pub code: u32,
    pub created: String,
}

impl ErrorRec {
    pub fn key(&self) -> String {
        format!(
            "{}.{}.v{}.c{}.e{}",
            self.sha256,
            self.svc.name.replace('.', "_"),
            self.svc.version.replace('.', "_"),
            self.svc.conf,
            self.code
        )
    }
}

pub struct Submission {
    pub sid: String,
    pub label: String,
    pub classification: &'static str,
    pub completed: bool,
    /// (name, sha256) of the submitted files.
    pub files: Vec<(String, String)>,
    pub results: Vec<ResultRec>,
    pub errors: Vec<ErrorRec>,
    pub metadata: BTreeMap<String, String>,
    pub submitter: String,
    pub description: String,
    pub submitted: i64,
    pub duration_secs: i64,
    pub groups: Vec<String>,
    pub archived: bool,
}

impl Submission {
    /// Per-file score in this submission: the sum of its result scores (`.e` results count 0).
    pub fn file_scores(&self) -> BTreeMap<String, i64> {
        let mut out = BTreeMap::new();
        for r in &self.results {
            *out.entry(r.sha256.clone()).or_insert(0) += r.score();
        }
        out
    }

    /// Like the Rust dispatcher: a fold starting at 0.
    pub fn max_score(&self) -> i64 {
        self.file_scores().values().fold(0, |a, &b| a.max(b))
    }

    pub fn all_sha256s(&self) -> BTreeSet<String> {
        let mut s: BTreeSet<String> = self.files.iter().map(|f| f.1.clone()).collect();
        for r in &self.results {
            s.insert(r.sha256.clone());
            s.extend(r.extracted.iter().map(|e| e.1.clone()));
        }
        s
    }

    pub fn state(&self) -> &'static str {
        if self.completed {
            "completed"
        } else {
            "submitted"
        }
    }
}

pub struct Dataset {
    pub(crate) files: BTreeMap<String, FileRec>,
    pub(crate) submissions: Vec<Submission>,
    by_sid: HashMap<String, usize>,
    sample_sids: BTreeMap<String, String>,
    sample_files: BTreeMap<String, String>,
    /// `Config::bulk`: large generated files for the memory benchmark (see `bulk.rs`).
    pub(crate) bulk: crate::bulk::Bulk,
}

impl Dataset {
    pub fn new(
        files: BTreeMap<String, FileRec>,
        submissions: Vec<Submission>,
        sample_files: BTreeMap<String, String>,
        hand_made: usize,
    ) -> Self {
        let by_sid = submissions
            .iter()
            .enumerate()
            .map(|(i, s)| (s.sid.clone(), i))
            .collect();
        let sample_sids = submissions
            .iter()
            .take(hand_made)
            .map(|s| (s.label.clone(), s.sid.clone()))
            .collect();
        Dataset {
            files,
            submissions,
            by_sid,
            sample_sids,
            sample_files,
            bulk: Default::default(),
        }
    }

    pub(crate) fn submission(&self, sid: &str) -> Option<&Submission> {
        self.by_sid.get(sid).map(|&i| &self.submissions[i])
    }

    /// Every sid, in creation order (hand-made first).
    pub fn sids(&self) -> Vec<String> {
        self.submissions.iter().map(|s| s.sid.clone()).collect()
    }

    /// The sid of a hand-made sample by its label (see `samples.rs`).
    pub fn sample_sid(&self, label: &str) -> Option<&str> {
        self.sample_sids.get(label).map(String::as_str)
    }

    pub fn sample_labels(&self) -> Vec<String> {
        self.sample_sids.keys().cloned().collect()
    }

    /// The sha256 of a notable hand-made file by its file name.
    pub fn sample_sha256(&self, name: &str) -> Option<&str> {
        self.sample_files.get(name).map(String::as_str)
    }

    /// Every file with a record, including those whose blob is missing.
    pub fn file_sha256s(&self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }

    pub fn has_file_record(&self, sha256: &str) -> bool {
        self.files.contains_key(sha256)
    }

    /// What exercise 2 would try to download: files scoring >= `threshold` (summed per
    /// submission) in any submission whose max_score >= `threshold`, missing blobs included.
    pub fn files_at_or_above(&self, threshold: i64) -> BTreeSet<String> {
        self.submissions
            .iter()
            .filter(|s| s.max_score() >= threshold)
            .flat_map(|s| {
                s.file_scores()
                    .into_iter()
                    .filter(|(_, v)| *v >= threshold)
                    .map(|(k, _)| k)
            })
            .collect()
    }

    /// Original bytes of a file; `None` when unknown or when its blob is missing.
    pub fn file_bytes(&self, sha256: &str) -> Option<&[u8]> {
        self.files.get(sha256)?.bytes.as_deref().map(Vec::as_slice)
    }

    pub(crate) fn file(&self, sha256: &str) -> Option<&FileRec> {
        self.files.get(sha256)
    }
}

/// Shared by the hand-made and generated builders: registers files once, by content.
pub struct Store {
    pub files: BTreeMap<String, FileRec>,
    pub seed: u64,
}

impl Store {
    pub fn add_file(
        &mut self,
        label: &str,
        kind: FileKind,
        size: usize,
        c12n: &'static str,
    ) -> String {
        let bytes = crate::content::make_bytes(self.seed, label, kind, size);
        let rec = crate::content::file_record(bytes, kind, c12n);
        let sha = rec.sha256.clone();
        self.files.entry(sha.clone()).or_insert(rec);
        sha
    }

    pub fn drop_blob(&mut self, sha256: &str) {
        if let Some(f) = self.files.get_mut(sha256) {
            f.bytes = None;
        }
    }
}

/// Deterministic sid; hand-made ones ignore the seed so tests can rely on them.
pub fn make_sid(seed: u64, label: &str) -> String {
    let mut id = util::base62_id(seed, label);
    while id.len() < 22 {
        id.insert(0, '0');
    }
    id
}

pub fn rng_for(seed: u64, label: &str) -> Rng {
    Rng::for_label(seed, label)
}
