//! Which files of one submission tree qualify: the seed's rule applied to the tree's nodes.

use std::collections::HashMap;

use crate::core::api::{is_sha256, SubmissionTree, TreeNode};
use crate::core::bundle::{FailureKind, ManifestFailure};

/// One qualifying file of one tree.
pub(super) struct Hit {
    pub sha256: String,
    pub score: i64,
    pub names: Vec<String>,
    pub file_type: String,
    pub size: u64,
}

/// The files of one tree scoring >= threshold, each once, with every name it has anywhere in
/// the tree; and the qualifying nodes whose sha256 is malformed (never a zip entry, but
/// reported). Walks with an explicit stack: a file may sit at several depths, under several
/// parents, and the nesting comes from the server.
pub(super) fn qualifying(
    tree: &SubmissionTree,
    threshold: i64,
    sid: &str,
) -> (Vec<Hit>, Vec<ManifestFailure>) {
    let mut hits: Vec<Hit> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut rejected: Vec<ManifestFailure> = Vec::new();
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
            if !rejected.iter().any(|r| r.sha256 == *text) {
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
        let i = *at.entry(sha256.clone()).or_insert_with(|| {
            hits.push(Hit {
                sha256,
                score: node.score,
                names: Vec::new(),
                file_type: node.file_type.clone(),
                size: node.size,
            });
            hits.len() - 1
        });
        if let Some(h) = hits.get_mut(i) {
            h.score = h.score.max(node.score);
            for name in &node.name {
                if !h.names.contains(name) {
                    h.names.push(name.clone());
                }
            }
        }
    }
    (hits, rejected)
}
