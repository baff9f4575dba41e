//! Model → the JSON of the submission record, tree and full endpoints (shapes per the AL source).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::{json, Map, Value};

use crate::data::{c12n_max, Dataset, ErrorRec, FileRec, ResultRec, Section, Submission, CLEAR};
use crate::util::{hex, iso_time};

const DAY: i64 = 86_400;
const MAX_EXTRACTION_DEPTH: usize = 6;

pub fn submitted_iso(s: &Submission) -> String {
    iso_time(s.submitted, 0)
}

pub fn record(s: &Submission) -> Value {
    let services: BTreeSet<&str> = s.results.iter().map(|r| r.svc.name).collect();
    let files: Vec<Value> = s
        .files
        .iter()
        .map(|(name, sha)| json!({"name": name, "sha256": sha, "size": null}))
        .collect();
    json!({
        "archive_ts": null,
        "archived": s.archived,
        "classification": s.classification,
        "error_count": s.errors.len(),
        "errors": s.errors.iter().map(ErrorRec::key).collect::<Vec<_>>(),
        "expiry_ts": iso_time(s.submitted + 30 * DAY, 0),
        "file_count": s.all_sha256s().len(),
        "files": files,
        "from_archive": false,
        "max_score": s.max_score(),
        "metadata": s.metadata,
        "params": {
            "auto_archive": false, "classification": s.classification, "deep_scan": false,
            "delete_after_archive": false, "description": s.description, "generate_alert": false,
            "groups": s.groups, "ignore_cache": false, "ignore_filtering": false,
            "ignore_recursion_prevention": false, "ignore_size": false, "initial_data": null,
            "malicious": false, "max_extracted": 500, "max_supplementary": 500, "never_drop": false,
            "priority": 1000, "psid": null, "quota_item": false,
            "services": {"selected": services, "excluded": [], "rescan": [], "resubmit": [], "runtime_excluded": []},
            "service_spec": {}, "submitter": s.submitter, "trace": false, "ttl": 30, "type": "USER",
            "use_archive_alternate_dtl": false
        },
        "results": s.results.iter().map(ResultRec::key).collect::<Vec<_>>(),
        "scan_key": null,
        "sid": s.sid,
        "state": s.state(),
        "times": {
            "completed": if s.completed { json!(iso_time(s.submitted + s.duration_secs, 0)) } else { Value::Null },
            "submitted": submitted_iso(s)
        },
        "to_be_deleted": false,
        "tracing_events": [],
        "verdict": {"malicious": [], "non_malicious": []}
    })
}

/// Submitted files carry their size in the real record; fill it from the file store.
pub fn record_with_sizes(ds: &Dataset, s: &Submission) -> Value {
    let mut v = record(s);
    if let Some(files) = v["files"].as_array_mut() {
        for f in files {
            let size = f["sha256"]
                .as_str()
                .and_then(|h| ds.file(h))
                .map(|r| r.size);
            f["size"] = json!(size);
        }
    }
    v
}

pub fn file_info(f: &FileRec) -> Value {
    let (ftype, magic, mime) = f.kind.describe();
    let ascii: String = f
        .head
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    json!({
        "archive_ts": null, "ascii": ascii, "classification": f.classification, "comments": [],
        "entropy": f.entropy, "expiry_ts": null, "from_archive": false, "hex": hex(&f.head),
        "is_section_image": false, "is_supplementary": false,
        "label_categories": {"attribution": [], "info": [], "technique": []}, "labels": [],
        "magic": magic, "md5": f.md5, "mime": mime,
        "seen": {"count": 1, "first": "2026-06-01T00:00:00.000000Z", "last": "2026-07-01T00:00:00.000000Z"},
        "sha1": f.sha1, "sha256": f.sha256, "size": f.size,
        "ssdeep": format!("3:{}:{}", &f.md5[..8], &f.sha1[..8]), "tlsh": null, "type": ftype, "uri_info": null
    })
}

/// Raw section tags are a nested dict (Tagging); only present keys, as the Rust writer does.
fn nested_tags(tags: &[(String, Value)]) -> Value {
    let mut root = Map::new();
    for (ty, v) in tags {
        let parts: Vec<&str> = ty.split('.').collect();
        let mut node = &mut root;
        for p in &parts[..parts.len() - 1] {
            node = node
                .entry(p.to_string())
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("object");
        }
        let list = node
            .entry(parts[parts.len() - 1].to_string())
            .or_insert_with(|| json!([]));
        if let Some(a) = list.as_array_mut() {
            if !a.contains(v) {
                a.push(v.clone());
            }
        }
    }
    Value::Object(root)
}

/// Flat `type → [values]`, grouped in first-seen order, values deduplicated.
pub fn flat_tags<'a>(
    tags: impl Iterator<Item = (&'a str, &'a Value)>,
) -> Vec<(String, Vec<Value>)> {
    let mut out: Vec<(String, Vec<Value>)> = Vec::new();
    for (ty, v) in tags {
        match out.iter_mut().find(|(t, _)| t == ty) {
            Some((_, vals)) if !vals.contains(v) => vals.push(v.clone()),
            Some(_) => {}
            None => out.push((ty.to_string(), vec![v.clone()])),
        }
    }
    out
}

fn heuristic_json(s: &Section) -> Value {
    match &s.heuristic {
        None => Value::Null,
        Some(h) => json!({
            "heur_id": h.heur_id, "name": h.name, "score": h.score,
            "attack": h.attack.iter().map(|(id, p, c)| json!({"attack_id": id, "pattern": p, "categories": c})).collect::<Vec<_>>(),
            "signature": h.signatures.iter().map(|n| json!({"name": n, "frequency": 1, "safe": false})).collect::<Vec<_>>()
        }),
    }
}

fn safelisted_values(s: &Section) -> Vec<(String, Vec<Value>)> {
    let vals: Vec<(String, Value)> = s
        .safelisted
        .iter()
        .map(|(t, v)| (t.clone(), json!(v)))
        .collect();
    flat_tags(vals.iter().map(|(t, v)| (t.as_str(), v)))
}

pub fn section_stored(s: &Section) -> Value {
    let safelisted: Map<String, Value> = safelisted_values(s)
        .into_iter()
        .map(|(t, v)| (t, Value::Array(v)))
        .collect();
    json!({
        "auto_collapse": false, "body": s.body, "body_config": {}, "body_format": s.body_format,
        "classification": s.classification, "depth": 0, "heuristic": heuristic_json(s),
        "promote_to": null, "safelisted_tags": safelisted, "tags": nested_tags(&s.tags), "title_text": s.title
    })
}

/// `format_result`/`fix_section_data`: JSON bodies parsed, tags as a list, safelisted merged in.
pub fn section_formatted(s: &Section) -> Value {
    let mut v = section_stored(s);
    if s.body_format != "TEXT" {
        if let Ok(parsed) = serde_json::from_str::<Value>(&s.body) {
            v["body"] = parsed;
        }
    }
    let entry = |ty: &str, val: Value, safe: bool| json!({"safelisted": safe, "short_type": ty.rsplit('.').next().unwrap_or(ty), "type": ty, "value": val});
    let plain = flat_tags(s.tags.iter().map(|(t, v)| (t.as_str(), v)));
    let tags: Vec<Value> = plain
        .into_iter()
        .map(|tv| (tv, false))
        .chain(safelisted_values(s).into_iter().map(|tv| (tv, true)))
        .flat_map(|((ty, vals), safe)| {
            vals.into_iter()
                .map(move |val| entry(&ty, val, safe))
                .collect::<Vec<_>>()
        })
        .collect();
    v["tags"] = Value::Array(tags);
    if let Some(m) = v.as_object_mut() {
        m.remove("safelisted_tags");
    }
    v
}

fn response_json(ds: &Dataset, r: &ResultRec) -> Value {
    let extracted: Vec<Value> = r
        .extracted
        .iter()
        .map(|(name, sha)| {
            let c = ds.file(sha).map(|f| f.classification).unwrap_or(CLEAR);
            json!({"allow_dynamic_recursion": false, "classification": c, "description": "Extracted file",
                   "is_section_image": false, "name": name, "parent_relation": "EXTRACTED", "sha256": sha})
        })
        .collect();
    let supplementary: Vec<Value> = r
        .ontology_sha256()
        .map(|sha| {
            json!({"allow_dynamic_recursion": false, "classification": r.classification,
                   "description": format!("Result Ontology from {}", r.svc.name), "is_section_image": false,
                   "name": format!("{}_{}.ontology", r.svc.name, r.sha256).to_lowercase(),
                   "parent_relation": "INFORMATION", "sha256": sha})
        })
        .into_iter()
        .collect();
    json!({
        "extracted": extracted,
        "milestones": {"service_completed": r.created, "service_started": r.created},
        "service_context": null, "service_debug_info": null,
        "service_name": r.svc.name, "service_tool_version": r.svc.tool, "service_version": r.svc.version,
        "supplementary": supplementary
    })
}

/// A result as `/full/` returns it; `.e` keys are synthesised like `create_empty_result_from_key`.
pub fn result_formatted(ds: &Dataset, r: &ResultRec) -> Value {
    let file = ds.file(&r.sha256);
    if r.is_empty() {
        // format_result raises the synthesised result to the file's classification.
        let c12n = file.map(|f| f.classification).unwrap_or(CLEAR);
        return json!({
            "archive_ts": null, "classification": c12n, "created": r.created, "drop_file": false,
            "expiry_ts": null, "from_archive": false, "partial": false,
            "response": {
                "extracted": [], "milestones": {"service_completed": r.created, "service_started": r.created},
                "service_context": null, "service_debug_info": null, "service_name": r.svc.name.replace('.', "_"),
                "service_tool_version": null, "service_version": r.svc.version.replace('.', "_"), "supplementary": []
            },
            "result": {"score": 0, "sections": []},
            "sha256": r.sha256, "size": null, "type": null
        });
    }
    let mut c12n = file.map(|f| f.classification).unwrap_or(CLEAR);
    for s in &r.sections {
        c12n = c12n_max(c12n, s.classification);
    }
    json!({
        "archive_ts": null, "classification": c12n, "created": r.created, "drop_file": false,
        "expiry_ts": null, "from_archive": false, "partial": false,
        "response": response_json(ds, r),
        "result": {"score": r.score(), "sections": r.sections.iter().map(section_formatted).collect::<Vec<_>>()},
        "sha256": r.sha256,
        "size": file.map(|f| f.size),
        "type": file.map(|f| f.kind.describe().0)
    })
}

pub fn error_json(e: &ErrorRec) -> Value {
    json!({
        "archive_ts": null, "created": e.created, "expiry_ts": null,
        "response": {"message": e.message, "service_debug_info": null, "service_name": e.svc.name,
                     "service_tool_version": e.svc.tool, "service_version": e.svc.version,
                     "status": "FAIL_NONRECOVERABLE"},
        "severity": "error", "sha256": e.sha256, "type": e.etype
    })
}

struct TreeCtx<'a> {
    ds: &'a Dataset,
    children: BTreeMap<&'a str, Vec<(&'a str, &'a str)>>,
    names: BTreeMap<&'a str, BTreeSet<&'a str>>,
    scores: BTreeMap<String, i64>,
    seen: HashSet<&'a str>,
}

impl<'a> TreeCtx<'a> {
    /// Mirrors `get_or_create_file_tree.process_file`: each file once, a re-seen child truncates its parent.
    fn process(
        &mut self,
        name: &'a str,
        sha: &'a str,
        branch: &mut Map<String, Value>,
        lvl: usize,
    ) {
        if lvl > MAX_EXTRACTION_DEPTH || branch.contains_key(sha) {
            return;
        }
        let Some(f) = self.ds.file(sha) else { return };
        let mut children = Map::new();
        let mut truncated = false;
        for (cname, csha) in self.children.get(sha).cloned().unwrap_or_default() {
            if self.seen.contains(csha) {
                truncated = true;
            } else {
                self.seen.insert(csha);
                self.process(cname, csha, &mut children, lvl + 1);
            }
        }
        let names: Vec<&str> = match self.names.get(sha) {
            Some(n) => n.iter().copied().collect(),
            None => vec![name],
        };
        branch.insert(
            sha.to_string(),
            json!({"children": children, "name": names, "score": self.scores.get(sha).copied().unwrap_or(0),
                   "sha256": sha, "size": f.size, "truncated": truncated, "type": f.kind.describe().0}),
        );
    }
}

/// The whole `/submission/tree/<sid>/` answer.
pub fn tree(ds: &Dataset, s: &Submission) -> Value {
    let mut ctx = TreeCtx {
        ds,
        children: BTreeMap::new(),
        names: BTreeMap::new(),
        scores: s.file_scores(),
        seen: HashSet::new(),
    };
    let mut supplementary = Vec::new();
    for r in s.results.iter().filter(|r| !r.is_empty()) {
        for (n, sha) in &r.extracted {
            ctx.names
                .entry(sha.as_str())
                .or_default()
                .insert(n.as_str());
        }
        let list = ctx.children.entry(r.sha256.as_str()).or_default();
        list.extend(r.extracted.iter().map(|(n, h)| (n.as_str(), h.as_str())));
        supplementary.extend(r.ontology_sha256());
    }
    let mut root = Map::new();
    for (name, sha) in &s.files {
        ctx.seen.insert(sha.as_str());
        ctx.process(name, sha, &mut root, 0);
    }
    let mut c12n = CLEAR;
    for sha in s.all_sha256s() {
        if let Some(f) = ds.file(&sha) {
            c12n = c12n_max(c12n, f.classification);
        }
    }
    json!({"classification": c12n, "filtered": false, "partial": !s.completed,
           "supplementary": supplementary, "tree": root})
}

fn flatten_tree(tree: &Value, out: &mut BTreeSet<String>) {
    if let Some(m) = tree.as_object() {
        for (k, v) in m {
            out.insert(k.clone());
            flatten_tree(&v["children"], out);
        }
    }
}

/// `/submission/full/<sid>/`: record + file_tree + file_infos + results + errors.
pub fn full(ds: &Dataset, s: &Submission) -> Value {
    let mut v = record_with_sizes(ds, s);
    let t = tree(ds, s);
    let mut shas = BTreeSet::new();
    flatten_tree(&t["tree"], &mut shas);
    let mut c12n = s.classification;
    let mut infos = Map::new();
    for sha in &shas {
        if let Some(f) = ds.file(sha) {
            c12n = c12n_max(c12n, f.classification);
            infos.insert(sha.clone(), file_info(f));
        }
    }
    let mut results = Map::new();
    for r in &s.results {
        if infos.contains_key(&r.sha256) {
            let rv = result_formatted(ds, r);
            if let Some(rc) = rv["classification"].as_str() {
                c12n = c12n_max(c12n, rc);
            }
            results.insert(r.key(), rv);
        }
    }
    let errors: Map<String, Value> = s.errors.iter().map(|e| (e.key(), error_json(e))).collect();
    v["classification"] = json!(c12n);
    v["file_tree"] = t["tree"].clone();
    v["file_infos"] = Value::Object(infos);
    v["missing_file_keys"] = json!([]);
    v["results"] = Value::Object(results);
    v["missing_result_keys"] = json!([]);
    v["errors"] = Value::Object(errors);
    v["missing_error_keys"] = json!([]);
    v
}
