//! What the manifests say beyond collected and failed files: submissions whose files are
//! hidden by classification, incomplete or deleted (so a file missing from the zip is never
//! silent), and files Assemblyline stores as cART and sent unchanged.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::{text_cell, Manifest};
use crate::core::status::SubmissionNote;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ManifestNotes {
    /// One per submission whose tree was not whole (`SubmissionNote::from_flags`) or that was
    /// deleted since the search found it (`SubmissionNote::deleted`), in scan order.
    pub submissions: Vec<SubmissionNote>,
    /// sha256s whose download was the stored cART itself (`CartReport::stored_as_cart`).
    pub stored_as_cart: BTreeSet<String>,
}

/// The manifest.csv `reason` of a file delivered as Assemblyline stores it.
pub const STORED_AS_CART: &str = "Assemblyline stores this file as a cART: it was delivered \
     unchanged (its own bytes have this sha256; unpacking it gives the file inside)";

impl ManifestNotes {
    /// manifest.json: `stored_as_cart` on every file, and a `submissions` list of
    /// `{sid, gaps, status, reason}`.
    pub(super) fn annotate_json(&self, manifest: &Manifest) -> Value {
        let mut v = serde_json::to_value(manifest).unwrap_or(Value::Null);
        if let Some(files) = v.get_mut("files").and_then(Value::as_array_mut) {
            for file in files {
                let stored = file["sha256"]
                    .as_str()
                    .is_some_and(|s| self.stored_as_cart.contains(s));
                file["stored_as_cart"] = stored.into();
            }
        }
        v["submissions"] = self
            .submissions
            .iter()
            .map(|n| json!({"sid": n.sid, "gaps": n.gaps, "status": n.status(), "reason": n.words()}))
            .collect();
        v
    }

    /// manifest.csv `reason` cell of a collected file.
    pub(super) fn file_reason(&self, sha256: &str) -> String {
        if self.stored_as_cart.contains(sha256) {
            STORED_AS_CART.to_string()
        } else {
            String::new()
        }
    }

    /// manifest.csv rows after the files and failures: status, the sid in `submissions`, the
    /// words in `reason`.
    pub(super) fn submission_rows(&self) -> impl Iterator<Item = [String; 14]> + '_ {
        self.submissions.iter().map(|n| {
            let mut row: [String; 14] = Default::default();
            row[0] = n.status().to_string();
            row[8] = "false".into();
            row[9] = text_cell(&n.sid);
            row[10] = "true".into();
            row[11] = text_cell(&n.words());
            row
        })
    }
}
