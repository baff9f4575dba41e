//! Real Assemblyline states the page must understand, switched on at run time through
//! `POST /__mock/config/` (keys below), each transcribed from the server's source:
//!
//! - `tos_required`: the server has Terms of Service and nobody agreed. whoami still answers
//!   (`agrees_with_tos: null`, `configuration.ui.tos: true`); every other call is 403 "Agree
//!   to Terms of Service before you can make any API calls" (assemblyline-ui `api/base.py`,
//!   `api_login.__call__`).
//! - `old_whoami`: whoami of a server before 4.3.1, without `roles`.
//! - `verdicts`: `configuration.submission.verdicts` in whoami (assemblyline-ui
//!   `api/v4/user.py`, `who_am_i`).
//! - `html_503_calls`: the next N API calls get the proxy's HTML 503 (no backend during a
//!   rolling update).
//! - `expire_cursors`: the next N deep-paging continuations find their point in time gone:
//!   400 "SearchException: No search context found for id [...]" (assemblyline-base
//!   `datastore/collection.py`, `_search`, keep-alive 5m).
//! - `hidden_files`: sha256s the user's classification may not see. The tree leaves each out
//!   *with its whole subtree* and sets `filtered` and `partial` (assemblyline-base
//!   `datastore/helper.py`, `get_or_create_file_tree`); the summary drops what only they
//!   produced and sets `filtered` (`get_summary_from_keys`); the ontology skips their records
//!   (assemblyline-ui `api/v4/ontology.py`, `generate_ontology_file`); downloads are 404.
//! - `missing_ontology_files`: sha256s whose ontology supplementary file is gone from the
//!   filestore: the ontology skips their records, logging only (`generate_ontology_file`),
//!   while tree and summary still have them.
//! - `purged_results`: sids whose result records are gone: tree and summary say `partial`
//!   while the state stays `completed` (`get_or_create_file_tree`, `MultiKeyError`).
//! - `deleted_sids`: sids the search still lists but every other call answers 404, as for a
//!   submission deleted between the search and the next call.
//! - `archived_sids`: only found with `use_archive` (assemblyline-ui `api/v4/search.py`,
//!   `search`: `Index.HOT_AND_ARCHIVE`).
//! - `to_be_deleted_sids`: records marked `to_be_deleted: true`.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::faults::string_set;

#[derive(Clone, Debug, Default)]
pub struct States {
    pub tos_required: bool,
    pub old_whoami: bool,
    pub verdicts: Option<Value>,
    pub html_503_calls: u64,
    pub expire_cursors: u64,
    pub hidden_files: BTreeSet<String>,
    pub missing_ontology_files: BTreeSet<String>,
    pub purged_results: BTreeSet<String>,
    pub deleted_sids: BTreeSet<String>,
    pub archived_sids: BTreeSet<String>,
    pub to_be_deleted_sids: BTreeSet<String>,
}

/// What nginx answers while no upstream is there.
pub const HTML_503: &str = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

pub const TOS_MESSAGE: &str = "Agree to Terms of Service before you can make any API calls";

impl States {
    pub fn to_json(&self) -> Value {
        json!({
            "tos_required": self.tos_required, "old_whoami": self.old_whoami,
            "verdicts": self.verdicts, "html_503_calls": self.html_503_calls,
            "expire_cursors": self.expire_cursors, "hidden_files": self.hidden_files,
            "missing_ontology_files": self.missing_ontology_files,
            "purged_results": self.purged_results, "deleted_sids": self.deleted_sids,
            "archived_sids": self.archived_sids, "to_be_deleted_sids": self.to_be_deleted_sids
        })
    }

    /// Applies one config key; false when the key is not one of these.
    pub fn apply(&mut self, key: &str, v: &Value) -> Result<bool, String> {
        let flag = || {
            v.as_bool()
                .ok_or_else(|| format!("{key} must be true or false"))
        };
        let count = || {
            v.as_u64()
                .ok_or_else(|| format!("{key} must be a non-negative integer"))
        };
        match key {
            "tos_required" => self.tos_required = flag()?,
            "old_whoami" => self.old_whoami = flag()?,
            "verdicts" => {
                self.verdicts = match v {
                    Value::Null => None,
                    Value::Object(_) => Some(v.clone()),
                    _ => return Err("verdicts must be an object or null".into()),
                }
            }
            "html_503_calls" => self.html_503_calls = count()?,
            "expire_cursors" => self.expire_cursors = count()?,
            "hidden_files" => self.hidden_files = string_set(v, key)?,
            "missing_ontology_files" => self.missing_ontology_files = string_set(v, key)?,
            "purged_results" => self.purged_results = string_set(v, key)?,
            "deleted_sids" => self.deleted_sids = string_set(v, key)?,
            "archived_sids" => self.archived_sids = string_set(v, key)?,
            "to_be_deleted_sids" => self.to_be_deleted_sids = string_set(v, key)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The search index as this user sees it: archived records only with the archive, and
    /// the deletion marks set.
    pub fn searchable(&self, records: &[Value], archive: bool) -> Option<Vec<Value>> {
        if self.archived_sids.is_empty() && self.to_be_deleted_sids.is_empty() {
            return None;
        }
        let sid = |r: &Value| r["sid"].as_str().unwrap_or_default().to_string();
        Some(
            records
                .iter()
                .filter(|r| archive || !self.archived_sids.contains(&sid(r)))
                .map(|r| {
                    let mut r = r.clone();
                    let id = sid(&r);
                    if self.archived_sids.contains(&id) {
                        r["archived"] = true.into();
                    }
                    if self.to_be_deleted_sids.contains(&id) {
                        r["to_be_deleted"] = true.into();
                    }
                    r
                })
                .collect(),
        )
    }

    /// `/submission/tree/<sid>/` as this user sees it.
    pub fn tree(&self, sid: &str, mut tree: Value) -> Value {
        if prune(&mut tree["tree"], &self.hidden_files) {
            tree["filtered"] = true.into();
            tree["partial"] = true.into();
        }
        if self.purged_results.contains(sid) {
            tree["partial"] = true.into();
        }
        tree
    }

    /// `/submission/summary/<sid>/` as this user sees it: a tag only hidden files produced is
    /// gone, and so is every trace of those files in `map`.
    pub fn summary(&self, sid: &str, mut summary: Value, files: &BTreeSet<String>) -> Value {
        let hidden: BTreeSet<&String> = self.hidden_files.intersection(files).collect();
        if !hidden.is_empty() {
            summary["filtered"] = true.into();
            let mut gone_keys = BTreeSet::new();
            if let Some(map) = summary["map"].as_object_mut() {
                for sha in &hidden {
                    map.remove(sha.as_str());
                }
                for (key, sources) in map.iter_mut() {
                    if let Some(list) = sources.as_array_mut() {
                        let before = list.len();
                        list.retain(|s| {
                            !s.as_str().is_some_and(|s| hidden.contains(&s.to_string()))
                        });
                        if before > 0 && list.is_empty() {
                            gone_keys.insert(key.clone());
                        }
                    }
                }
                map.retain(|k, _| !gone_keys.contains(k));
            }
            for group in ["ioc", "behavior", "attribution"] {
                if let Some(types) = summary["tags"][group].as_object_mut() {
                    for (tag_type, tags) in types.iter_mut() {
                        if let Some(list) = tags.as_array_mut() {
                            list.retain(|t| {
                                let value = match &t[0] {
                                    Value::String(s) => s.clone(),
                                    other => other.to_string(),
                                };
                                !gone_keys.contains(&format!("{tag_type}__{value}"))
                            });
                        }
                    }
                    types.retain(|_, tags| tags.as_array().is_none_or(|l| !l.is_empty()));
                }
            }
        }
        if self.purged_results.contains(sid) {
            summary["partial"] = true.into();
        }
        summary
    }

    /// The ontology without the records of hidden files or of missing ontology files.
    pub fn ontology(&self, ndjson: String) -> String {
        if self.hidden_files.is_empty() && self.missing_ontology_files.is_empty() {
            return ndjson;
        }
        ndjson
            .lines()
            .filter(|line| {
                let record: Value = serde_json::from_str(line).unwrap_or(Value::Null);
                !record["file"]["sha256"].as_str().is_some_and(|s| {
                    self.hidden_files.contains(s) || self.missing_ontology_files.contains(s)
                })
            })
            .map(|line| format!("{line}\n"))
            .collect()
    }

    /// whoami's `api_response` as this server state shapes it.
    pub fn whoami(&self, mut me: Value) -> Value {
        if self.tos_required {
            me["agrees_with_tos"] = Value::Null;
            me["configuration"]["ui"]["tos"] = true.into();
        }
        if self.old_whoami {
            if let Some(m) = me.as_object_mut() {
                m.remove("roles");
            }
        }
        if let Some(v) = &self.verdicts {
            me["configuration"]["submission"]["verdicts"] = v.clone();
        }
        me
    }
}

/// Removes every node whose sha256 is hidden, with its subtree, at any depth; true when one
/// was removed.
fn prune(level: &mut Value, hidden: &BTreeSet<String>) -> bool {
    let Some(nodes) = level.as_object_mut() else {
        return false;
    };
    let before = nodes.len();
    nodes.retain(|sha, _| !hidden.contains(sha));
    let mut removed = nodes.len() != before;
    for node in nodes.values_mut() {
        removed |= prune(&mut node["children"], hidden);
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hiding_a_file_removes_its_subtree_and_flags_the_tree() {
        let leaf = json!({"children": {}});
        let b = json!({"children": {"c": leaf}});
        let a = json!({"children": {"b": b, "d": leaf}});
        let tree = json!({"tree": {"a": a}, "filtered": false, "partial": false});
        let s = States {
            hidden_files: ["b".to_string()].into(),
            ..States::default()
        };
        let out = s.tree("S", tree.clone());
        assert_eq!(out["filtered"], true);
        assert_eq!(out["partial"], true);
        assert!(out["tree"]["a"]["children"].get("b").is_none());
        assert!(out["tree"]["a"]["children"].get("d").is_some());
        let untouched = States::default().tree("S", tree.clone());
        assert_eq!(untouched, tree);
    }

    #[test]
    fn hiding_a_file_drops_only_the_tags_it_alone_produced() {
        let summary = json!({"tags": {"ioc": {"network.static.domain": [
            ["only-hidden.example", "malicious", false, "TLP:CLEAR"],
            ["shared.example", "info", false, "TLP:CLEAR"]]}},
            "map": {"network.static.domain__only-hidden.example": ["h"],
                    "network.static.domain__shared.example": ["h", "v"],
                    "h": ["network.static.domain__only-hidden.example"]},
            "filtered": false, "partial": false});
        let s = States {
            hidden_files: ["h".to_string()].into(),
            ..States::default()
        };
        let files: BTreeSet<String> = ["h".to_string(), "v".to_string()].into();
        let out = s.summary("S", summary, &files);
        assert_eq!(out["filtered"], true);
        let tags = out["tags"]["ioc"]["network.static.domain"]
            .as_array()
            .unwrap();
        assert_eq!(tags.len(), 1);
        assert_eq!(tags[0][0], "shared.example");
        assert_eq!(
            out["map"]["network.static.domain__shared.example"],
            json!(["v"])
        );
        assert!(out["map"].get("h").is_none());
    }
}
