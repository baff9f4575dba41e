//! Record, tree, full, summary and ontology agree with each other and cover the hard cases.

use std::collections::{BTreeMap, BTreeSet};

use mock_al::{Config, Dataset, SAFELISTED_DOMAIN, SHARED_DOMAIN, XSS_URI};
use serde_json::{json, Value};

use crate::client::Mock;

fn tree_scores(node: &Value, out: &mut BTreeMap<String, i64>) {
    for (sha, n) in node.as_object().unwrap() {
        out.insert(sha.clone(), n["score"].as_i64().unwrap());
        tree_scores(&n["children"], out);
    }
}

/// Exercise 2's per-file sums: group `/full/` results by sha256.
fn full_scores(full: &Value) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for r in full["results"].as_object().unwrap().values() {
        *out.entry(r["sha256"].as_str().unwrap().to_string())
            .or_insert(0) += r["result"]["score"].as_i64().unwrap();
    }
    out
}

fn sid<'a>(ds: &'a Dataset, label: &str) -> &'a str {
    ds.sample_sid(label).unwrap()
}

fn sha<'a>(ds: &'a Dataset, name: &str) -> &'a str {
    ds.sample_sha256(name).unwrap()
}

#[test]
fn tree_full_and_max_score_agree_everywhere() {
    let ds = mock_al::dataset(&Config {
        submissions: 120,
        ..Config::default()
    });
    for s in ds.sids() {
        let full = ds.submission_full_json(&s).unwrap();
        let tree = ds.tree_json(&s).unwrap();
        let mut t = BTreeMap::new();
        tree_scores(&tree["tree"], &mut t);
        assert_eq!(t, full_scores(&full), "{s}");
        let record = ds.submission_json(&s).unwrap();
        assert_eq!(
            record["max_score"].as_i64().unwrap(),
            t.values().fold(0, |a, &b| a.max(b)),
            "{s}"
        );
        let keys: BTreeSet<&String> = full["results"].as_object().unwrap().keys().collect();
        let rec_keys: BTreeSet<&String> = record["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| match k {
                Value::String(s) => s,
                _ => panic!(),
            })
            .collect();
        assert_eq!(keys, rec_keys);
        assert_eq!(full["file_tree"], tree["tree"]);
        assert_eq!(
            record["file_count"].as_u64().unwrap() as usize,
            full["file_infos"].as_object().unwrap().len()
        );
    }
}

#[test]
fn hard_cases_in_the_samples() {
    let ds = mock_al::dataset(&Config::default());
    let score = |label: &str, file: &str| ds.file_scores(sid(&ds, label)).unwrap()[sha(&ds, file)];
    assert_eq!(score("invoice", "invoice.exe"), 7500);
    assert_eq!(score("dropper", "invoice.exe"), 4000);
    assert_eq!(score("resubmit", "invoice.exe"), 4000);
    assert_eq!(score("dropper", "macro.vba"), 7000);
    assert_eq!(score("dropper", "dropper.docm"), 6999);
    assert_eq!(score("negative", "signed_installer.msi"), -700);
    assert_eq!(ds.max_score(sid(&ds, "negative")), Some(250));
    assert_eq!(ds.max_score(sid(&ds, "almost")), Some(6999));
    assert_eq!(ds.max_score(sid(&ds, "all-empty")), Some(0));
    assert_eq!(ds.ontology_ndjson(sid(&ds, "all-empty")).unwrap(), "");
    assert!(
        ds.submission_json(sid(&ds, "all-empty")).unwrap()["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k.as_str().unwrap().ends_with(".e"))
    );

    let loader = sha(&ds, "loader.bin");
    assert_eq!(score("missing-blob", "loader.bin"), 9900);
    assert!(ds.has_file_record(loader) && ds.file_bytes(loader).is_none());
    let full = ds.submission_full_json(sid(&ds, "missing-blob")).unwrap();
    assert_eq!(full["error_count"], 1);
    assert_eq!(full["errors"].as_object().unwrap().len(), 1);

    let partial = sid(&ds, "partial");
    assert_eq!(ds.tree_json(partial).unwrap()["partial"], true);
    assert_eq!(ds.summary_json(partial).unwrap()["partial"], true);
    assert_eq!(ds.submission_json(partial).unwrap()["state"], "submitted");

    // deep: shared.js is extracted twice; it appears once and a parent is truncated.
    let tree = ds.tree_json(sid(&ds, "deep")).unwrap();
    let text = tree.to_string();
    assert_eq!(
        text.matches(&format!("\"{}\":", sha(&ds, "shared.js")))
            .count(),
        1
    );
    assert!(text.contains("\"truncated\":true"));
    assert!(ds.file_bytes(sha(&ds, "big_payload.bin")).unwrap().len() >= 2_000_000);

    // Shared files recur across the generated submissions too.
    let big = mock_al::dataset(&Config {
        submissions: 250,
        ..Config::default()
    });
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for s in big.sids() {
        for f in big.file_scores(&s).unwrap().keys() {
            *seen.entry(f.clone()).or_default() += 1;
        }
    }
    assert!(seen.values().filter(|&&n| n > 1).count() > 20);
}

#[test]
fn summary_verdicts_worst_rule_and_map() {
    let ds = mock_al::dataset(&Config::default());
    let inv = ds.summary_json(sid(&ds, "invoice")).unwrap();
    let domains = inv["tags"]["ioc"]["network.static.domain"]
        .as_array()
        .unwrap();
    let find = |list: &[Value], v: &str| list.iter().find(|t| t[0] == v).cloned().unwrap();
    assert_eq!(
        find(domains, SHARED_DOMAIN),
        json!([SHARED_DOMAIN, "malicious", false, "TLP:GREEN"])
    );
    assert_eq!(find(domains, SAFELISTED_DOMAIN)[2], true);
    assert_eq!(
        find(
            inv["tags"]["ioc"]["network.email.address"]
                .as_array()
                .unwrap(),
            "billing@evil-payments.com"
        )[1],
        "info"
    );
    assert!(
        inv["tags"]["ioc"].get("network.static.uri_path").is_none()
            && inv["tags"]["ioc"].get("network.port").is_none()
    );
    assert_eq!(
        inv["tags"]["attribution"]["attribution.family"][0][0],
        "MOCKLOADER"
    );
    let key = format!("network.static.domain__{SHARED_DOMAIN}");
    let files: BTreeSet<&str> = inv["map"][&key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        BTreeSet::from([sha(&ds, "invoice.exe"), sha(&ds, "readme.txt")])
    );
    assert!(inv["map"][sha(&ds, "invoice.exe")]
        .as_array()
        .unwrap()
        .contains(&json!(key)));
    assert!(inv["map"][sha(&ds, "invoice.exe")]
        .as_array()
        .unwrap()
        .contains(&json!("heuristic__PE.5")));
    assert_eq!(
        inv["attack_matrix"]["defense-evasion"][0],
        json!(["T1055", "Process Injection", "malicious"])
    );
    assert!(inv["heuristics"]["malicious"]
        .as_array()
        .unwrap()
        .contains(&json!(["PE.5", "Suspicious import table"])));

    let verdict = |label: &str| {
        let s = ds.summary_json(sid(&ds, label)).unwrap();
        find(
            s["tags"]["ioc"]["network.static.domain"]
                .as_array()
                .unwrap(),
            SHARED_DOMAIN,
        )[1]
        .clone()
    };
    assert_eq!(verdict("negative"), "safe");
    assert_eq!(verdict("almost"), "suspicious");
    assert_eq!(verdict("xss"), "info");
    let xss = ds.summary_json(sid(&ds, "xss")).unwrap();
    let uris: Vec<&str> = xss["tags"]["ioc"]["network.static.uri"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t[0].as_str().unwrap())
        .collect();
    assert!(uris.contains(&XSS_URI) && uris.iter().any(|u| u.len() > 4000));
    let uni = ds.summary_json(sid(&ds, "unicode")).unwrap();
    assert_eq!(
        uni["tags"]["ioc"]["network.dynamic.ip"][0][0],
        mock_al::IPV6
    );
    assert_eq!(
        uni["tags"]["ioc"]["network.dynamic.domain"][0][0],
        mock_al::IDN_DOMAIN
    );
}

fn ontology_network(nd: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in nd.lines() {
        let rec: Value = serde_json::from_str(line).unwrap();
        assert_eq!(rec["odm_type"], "Assemblyline Result Ontology");
        for (t, vals) in rec["results"]["tags"].as_object().unwrap() {
            if t.starts_with("network") {
                out.entry(t.clone())
                    .or_default()
                    .extend(vals.as_array().unwrap().iter().map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    }));
            }
        }
    }
    out
}

#[test]
fn ontology_covers_summary_iocs() {
    let ds = mock_al::dataset(&Config {
        submissions: 80,
        ..Config::default()
    });
    for s in ds.sids() {
        let onto = ontology_network(&ds.ontology_ndjson(&s).unwrap());
        let summary = ds.summary_json(&s).unwrap();
        for (t, vals) in summary["tags"]["ioc"].as_object().unwrap() {
            for v in vals.as_array().unwrap() {
                assert!(
                    onto.get(t)
                        .is_some_and(|o| o.contains(v[0].as_str().unwrap())),
                    "{s} {t} {v}"
                );
            }
        }
    }
    let inv = ds.ontology_ndjson(sid(&ds, "invoice")).unwrap();
    let first: Value = serde_json::from_str(inv.lines().next().unwrap()).unwrap();
    assert_eq!(first["submission"]["sid"], sid(&ds, "invoice"));
    let onto = ontology_network(&inv);
    assert!(
        onto["network.port"].contains("443")
            && onto.contains_key("network.tls.sni")
            && onto.contains_key("network.user_agent")
    );
    assert!(
        onto.contains_key("network.static.uri_path")
            && onto.contains_key("network.dynamic.uri_path")
    );
    let exe_line = inv
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| r["service"]["name"] == "CAPE")
        .unwrap();
    assert_eq!(
        exe_line["results"]["tags"]["network.port"],
        json!([443, 8080])
    );
    assert_eq!(exe_line["file"]["parent"], sha(&ds, "invoice.zip"));
    assert!(exe_line["file"].get("names").is_none());
}

#[tokio::test]
async fn endpoints_serve_the_dataset() {
    let m = Mock::start(Config::default()).await;
    let ds = m.server.dataset();
    let s = sid(ds, "invoice");
    for (path, expect) in [
        (
            format!("/api/v4/submission/{s}/"),
            ds.submission_json(s).unwrap(),
        ),
        (
            format!("/api/v4/submission/tree/{s}/"),
            ds.tree_json(s).unwrap(),
        ),
        (
            format!("/api/v4/submission/full/{s}/"),
            ds.submission_full_json(s).unwrap(),
        ),
        (
            format!("/api/v4/submission/summary/{s}/"),
            ds.summary_json(s).unwrap(),
        ),
    ] {
        let r = m.get(&path).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.data(), expect, "{path}");
        assert!(r.body.is_ascii(), "Flask escapes non-ASCII");
    }
    let onto = m.get(&format!("/api/v4/ontology/submission/{s}/")).await;
    assert_eq!(
        onto.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(
        onto.header("content-disposition").unwrap(),
        format!("attachment; filename=file.bin; filename*=UTF-8''submission_{s}.ontology")
    );
    assert_eq!(
        String::from_utf8(onto.body.clone()).unwrap(),
        ds.ontology_ndjson(s).unwrap()
    );
    let exe = sha(ds, "invoice.exe");
    let only = m
        .get(&format!(
            "/api/v4/ontology/submission/{s}/?sha256={exe}&service=CAPE"
        ))
        .await;
    assert_eq!(String::from_utf8(only.body).unwrap().lines().count(), 1);
    let none = m.get("/api/v4/ontology/submission/nope/").await;
    assert_eq!(
        (none.status, none.error()),
        (404, "There is no submission with sid: nope".to_string())
    );
}

/// Exercise 2 end to end over HTTP: stream search, `/full/`, per-file sums, cART downloads.
#[tokio::test]
async fn exercise_two_over_http() {
    let m = Mock::start(Config {
        submissions: 120,
        ..Config::default()
    })
    .await;
    let ds = m.server.dataset();
    let mut id = "*".to_string();
    let mut wanted = BTreeSet::new();
    loop {
        let body =
            json!({"query": "max_score:>=7000", "fl": "sid", "rows": "100", "deep_paging_id": id});
        let page = m
            .post_json("/api/v4/search/submission/", &body)
            .await
            .data();
        for item in page["items"].as_array().unwrap() {
            let full = m
                .get(&format!(
                    "/api/v4/submission/full/{}/",
                    item["sid"].as_str().unwrap()
                ))
                .await
                .data();
            wanted.extend(
                full_scores(&full)
                    .into_iter()
                    .filter(|(_, v)| *v >= 7000)
                    .map(|(k, _)| k),
            );
        }
        match page["next_deep_paging_id"].as_str() {
            Some(next) if page["items"].as_array().unwrap().len() == 100 => id = next.to_string(),
            _ => break,
        }
    }
    assert_eq!(wanted, ds.files_at_or_above(7000));
    let missing = ds.sample_sha256("loader.bin").unwrap();
    for sha in &wanted {
        let r = m
            .get(&format!("/api/v4/file/download/{sha}/?encoding=cart"))
            .await;
        assert_eq!(r.status, if sha == missing { 404 } else { 200 }, "{sha}");
    }
}
