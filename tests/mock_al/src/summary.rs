//! Model → `/submission/summary/` and `/ontology/submission/` (algorithms follow the AL source).

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Map, Value};

use crate::data::{c12n_max, c12n_min, Dataset, ResultRec, Submission, CLEAR};
use crate::render::{flat_tags, section_formatted, submitted_iso};
use crate::util::to_json;

const IOC: [&str; 7] = [
    "network.email.address",
    "network.static.ip",
    "network.dynamic.ip",
    "network.static.domain",
    "network.dynamic.domain",
    "network.static.uri",
    "network.dynamic.uri",
];
const BEHAVIOR: [&str; 1] = ["file.behavior"];
const ATTRIBUTION: [&str; 9] = [
    "attribution.actor",
    "attribution.campaign",
    "attribution.exploit",
    "attribution.implant",
    "attribution.family",
    "attribution.network",
    "av.virus_name",
    "file.config",
    "technique.obfuscation",
];
const H_TYPES: [&str; 4] = ["info", "safe", "suspicious", "malicious"];

pub fn verdict(score: i64) -> &'static str {
    match score {
        s if s >= 1000 => "malicious",
        s if s >= 300 => "suspicious",
        s if s >= 0 => "info",
        _ => "safe",
    }
}

fn rank(h: &str) -> usize {
    ["safe", "info", "suspicious", "malicious"]
        .iter()
        .position(|x| *x == h)
        .unwrap_or(0)
}

/// (value, h_type, safelisted, classification)
type TagTuple = (Value, &'static str, bool, &'static str);

struct TagHit {
    ty: String,
    value: Value,
    h_type: &'static str,
    sha: String,
    safelisted: bool,
    c12n: &'static str,
}

struct HeurHit {
    heur_id: String,
    name: String,
    sha: String,
    signatures: Vec<String>,
}

fn push_unique(map: &mut BTreeMap<String, Vec<Value>>, key: &str, v: Value) {
    let list = map.entry(key.to_string()).or_default();
    if !list.contains(&v) {
        list.push(v);
    }
}

pub fn summary(ds: &Dataset, s: &Submission) -> Value {
    let mut tags: Vec<TagHit> = Vec::new();
    let mut done_tags = HashSet::new();
    let mut heuristics: BTreeMap<&str, Vec<HeurHit>> = BTreeMap::new();
    let mut done_heur = HashSet::new();
    let mut attack: Vec<(String, String, &'static str, String, Vec<String>)> = Vec::new();
    let mut done_attack = HashSet::new();
    let mut heur_sections: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut done_sections = HashSet::new();
    let mut name_map: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut c12n = CLEAR;

    for r in s.results.iter().filter(|r| !r.is_empty()) {
        let key = r.key();
        let file_c12n = ds
            .file(&r.sha256)
            .map(|f| f.classification)
            .unwrap_or(CLEAR);
        let mut sections: Vec<_> = r.sections.iter().collect();
        sections
            .sort_by_key(|x| std::cmp::Reverse(x.heuristic.as_ref().map(|h| h.score).unwrap_or(0)));
        for sec in sections {
            let combined = c12n_max(file_c12n, sec.classification);
            c12n = c12n_max(c12n, combined);
            let mut h_type = "info";
            if let Some(h) = &sec.heuristic {
                h_type = verdict(h.score);
                if done_heur.insert(format!("{}_{key}", h.heur_id)) {
                    heuristics.entry(h_type).or_default().push(HeurHit {
                        heur_id: h.heur_id.clone(),
                        name: h.name.clone(),
                        sha: r.sha256.clone(),
                        signatures: vec![],
                    });
                }
                for list in heuristics.values_mut() {
                    for hit in list
                        .iter_mut()
                        .filter(|x| x.heur_id == h.heur_id && x.sha == r.sha256)
                    {
                        hit.signatures.extend(h.signatures.iter().cloned());
                    }
                }
                push_unique(&mut name_map, &h.name, json!(h.heur_id));
                let section_key = format!("{}_{}_{}_{h_type}", h.heur_id, sec.title, sec.body);
                if done_sections.insert(section_key) {
                    heur_sections
                        .entry(h.heur_id.clone())
                        .or_default()
                        .push(section_formatted(sec));
                }
                for (id, pattern, cats) in &h.attack {
                    if done_attack.insert(format!("{id}_{key}")) {
                        attack.push((
                            id.clone(),
                            pattern.clone(),
                            h_type,
                            r.sha256.clone(),
                            cats.clone(),
                        ));
                    }
                }
            }
            let plain = flat_tags(sec.tags.iter().map(|(t, v)| (t.as_str(), v)));
            let safe_vals: Vec<(String, Value)> = sec
                .safelisted
                .iter()
                .map(|(t, v)| (t.clone(), json!(v)))
                .collect();
            let safe = flat_tags(safe_vals.iter().map(|(t, v)| (t.as_str(), v)));
            for ((ty, vals), safelisted) in plain
                .into_iter()
                .map(|x| (x, false))
                .chain(safe.into_iter().map(|x| (x, true)))
            {
                for value in vals {
                    if done_tags.insert(format!("{ty}_{value}_{key}")) {
                        tags.push(TagHit {
                            ty: ty.clone(),
                            value,
                            h_type,
                            sha: r.sha256.clone(),
                            safelisted,
                            c12n: combined,
                        });
                    }
                }
            }
        }
    }

    let mut map: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut attack_matrix: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (id, name, h_type, sha, cats) in &attack {
        for cat in cats {
            let k = format!("attack_pattern__{id}");
            push_unique(&mut map, &k, json!(sha));
            push_unique(&mut map, sha, json!(k));
            push_unique(&mut attack_matrix, cat, json!([id, name, h_type]));
        }
    }
    let mut heur_out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for cat in H_TYPES {
        for hit in heuristics.get(cat).map(Vec::as_slice).unwrap_or_default() {
            let k = format!("heuristic__{}", hit.heur_id);
            push_unique(&mut map, &k, json!(hit.sha));
            push_unique(&mut map, &hit.sha, json!(k));
            for sig in &hit.signatures {
                let sk = format!("heuristic.signature__{sig}");
                push_unique(&mut map, &sk, json!(hit.sha));
                push_unique(&mut map, &hit.sha, json!(sk));
            }
            push_unique(&mut heur_out, cat, json!([hit.heur_id, hit.name]));
        }
    }
    // (summary type, tag type) → value → (h_type, safelisted, classification), in first-seen order.
    let mut out_tags: BTreeMap<&str, Vec<(String, Vec<TagTuple>)>> = BTreeMap::new();
    for t in &tags {
        let stype = if BEHAVIOR.contains(&t.ty.as_str()) {
            "behavior"
        } else if ATTRIBUTION.contains(&t.ty.as_str()) {
            "attribution"
        } else if IOC.contains(&t.ty.as_str()) {
            "ioc"
        } else {
            continue;
        };
        if t.value == json!("") || t.value.is_null() {
            continue;
        }
        let value_str = t
            .value
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| t.value.to_string());
        let tag_key = format!("{}__{value_str}", t.ty);
        push_unique(&mut map, &tag_key, json!(t.sha));
        // The real code checks `sha256 not in map[sha256]`, which is always true: tag keys can repeat.
        map.entry(t.sha.clone()).or_default().push(json!(tag_key));
        let types = out_tags.entry(stype).or_default();
        let idx = match types.iter().position(|(ty, _)| *ty == t.ty) {
            Some(i) => i,
            None => {
                types.push((t.ty.clone(), vec![]));
                types.len() - 1
            }
        };
        let values = &mut types[idx].1;
        match values.iter_mut().find(|(v, ..)| *v == t.value) {
            None => values.push((t.value.clone(), t.h_type, t.safelisted, t.c12n)),
            Some(cur) if rank(cur.1) < rank(t.h_type) => {
                *cur = (
                    t.value.clone(),
                    t.h_type,
                    t.safelisted,
                    c12n_min(cur.3, t.c12n),
                );
            }
            Some(_) => {}
        }
    }
    let mut tag_json = json!({"attribution": {}, "behavior": {}, "ioc": {}});
    for (stype, types) in out_tags {
        for (ty, values) in types {
            let list: Vec<Value> = values
                .into_iter()
                .map(|(v, h, sl, c)| json!([v, h, sl, c]))
                .collect();
            tag_json[stype][ty] = Value::Array(list);
        }
    }
    let to_obj = |m: BTreeMap<String, Vec<Value>>| -> Value {
        Value::Object(
            m.into_iter()
                .map(|(k, v)| (k, Value::Array(v)))
                .collect::<Map<_, _>>(),
        )
    };
    json!({
        "attack_matrix": to_obj(attack_matrix),
        "classification": c12n,
        "filtered": false,
        "heuristic_name_map": to_obj(name_map),
        "heuristic_sections": to_obj(heur_sections),
        "heuristics": to_obj(heur_out),
        "map": to_obj(map),
        "partial": !s.completed,
        "tags": tag_json
    })
}

fn ontology_record(ds: &Dataset, s: &Submission, r: &ResultRec) -> Option<Value> {
    if !r.has_tags() {
        return None;
    }
    let f = ds.file(&r.sha256)?;
    let mut c12n = CLEAR;
    // At service time safelisted values were still ordinary tags: core safelists after the ontology is written.
    let mut all: Vec<(String, Value)> = Vec::new();
    let mut heurs: Vec<(String, Value)> = Vec::new();
    for sec in &r.sections {
        c12n = c12n_max(c12n, sec.classification);
        let own: Vec<(String, Value)> = sec
            .tags
            .iter()
            .cloned()
            .chain(sec.safelisted.iter().map(|(t, v)| (t.clone(), json!(v))))
            .collect();
        all.extend(own.iter().cloned());
        if let Some(h) = &sec.heuristic {
            let raw_id = h
                .heur_id
                .split_once('.')
                .map_or(h.heur_id.as_str(), |x| x.1);
            let id = format!("{}_{raw_id}", r.svc.name.to_uppercase());
            let section_tags = flat_tags(own.iter().map(|(t, v)| (t.as_str(), v)));
            let idx = heurs.iter().position(|(k, _)| *k == id).unwrap_or_else(|| {
                heurs.push((id.clone(), json!({"heur_id": id, "name": h.name, "score": h.score, "tags": {}, "times_raised": 0})));
                heurs.len() - 1
            });
            let entry = &mut heurs[idx].1;
            entry["times_raised"] = json!(entry["times_raised"].as_i64().unwrap_or(0) + 1);
            // As in the service helper: a later tagless section resets the heuristic's tags.
            if section_tags.is_empty() {
                entry["tags"] = json!({});
            } else {
                for (ty, vals) in section_tags {
                    let list = entry["tags"]
                        .as_object_mut()
                        .expect("object")
                        .entry(ty)
                        .or_insert_with(|| json!([]));
                    let arr = list.as_array_mut().expect("array");
                    for v in vals {
                        if !arr.contains(&v) {
                            arr.push(v);
                        }
                    }
                }
            }
        }
    }
    let tags: Map<String, Value> = flat_tags(all.iter().map(|(t, v)| (t.as_str(), v)))
        .into_iter()
        .map(|(t, v)| (t, Value::Array(v)))
        .collect();
    let root = &s.files[0].1;
    let mut file = json!({"md5": f.md5, "sha1": f.sha1, "sha256": f.sha256, "size": f.size, "type": f.kind.describe().0});
    if let Some((name, _)) = s.files.iter().find(|(_, h)| *h == r.sha256) {
        file["names"] = json!([name]);
    }
    if *root != r.sha256 {
        file["parent"] = json!(root);
    }
    let mut service = json!({"name": r.svc.name, "version": r.svc.version});
    if let Some(t) = r.svc.tool {
        service["tool_version"] = json!(t);
    }
    let mut submission = json!({
        "classification": s.classification, "date": submitted_iso(s), "groups": s.groups,
        "max_score": s.max_score(), "metadata": s.metadata, "sid": s.sid,
        "source_system": "mock-al.local", "submitter": s.submitter
    });
    if let Some(src) = s.metadata.get("original_source") {
        submission["original_source"] = json!(src);
    }
    Some(json!({
        "classification": c12n, "file": file,
        "odm_type": "Assemblyline Result Ontology", "odm_version": "1.10",
        "results": {"heuristics": heurs.into_iter().map(|(_, v)| v).collect::<Vec<_>>(), "score": r.score(), "tags": tags},
        "service": service, "submission": submission
    }))
}

/// NDJSON; `sha256` filters match key prefixes and `service` filters `.<name>.`, as the UI does.
pub fn ontology<'a>(
    ds: &Dataset,
    s: &'a Submission,
    sha256s: &[String],
    services: &[String],
) -> String {
    let mut results: Vec<&ResultRec> = s.results.iter().filter(|r| !r.is_empty()).collect();
    let refine =
        |results: Vec<&'a ResultRec>, filters: &[String], keep: &dyn Fn(&str, &str) -> bool| {
            let mut out = Vec::new();
            for f in filters {
                out.extend(results.iter().copied().filter(|r| keep(&r.key(), f)));
            }
            out
        };
    if !sha256s.is_empty() {
        results = refine(results, sha256s, &|key, h| key.starts_with(h));
    }
    if !services.is_empty() {
        results = refine(results, services, &|key, sv| {
            key.contains(&format!(".{sv}."))
        });
    }
    let mut out = String::new();
    for r in results {
        if let Some(v) = ontology_record(ds, s, r) {
            out.push_str(&to_json(&v));
            out.push('\n');
        }
    }
    out
}
