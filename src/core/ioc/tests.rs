use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::*;
use crate::core::api::parse_ontology;

const SHA_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SHA_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const SHA_C: &str = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

/// A summary's `api_response` as the server sends it.
fn summary_json_1() -> Value {
    json!({
        "tags": {
            "ioc": {
                "network.static.ip": [["10.0.0.1", "malicious", false, "TLP:CLEAR"], ["8.8.8.8", "info", true, "TLP:CLEAR"]],
                "network.static.domain": [["evil.com", "suspicious", false, "TLP:AMBER"]],
                "network.dynamic.uri": [["http://evil.com/<script>alert(1)</script>", "info", false, "TLP:CLEAR"]],
                "av.virus_name": [["EICAR", "malicious", false, "TLP:CLEAR"]]
            },
            "behavior": {"file.behavior": [["drops", "info", false, ""]]},
            "attribution": {}
        },
        "map": {
            "network.static.ip__10.0.0.1": [SHA_A],
            "network.static.ip__8.8.8.8": [SHA_A, SHA_B],
            "network.static.domain__evil.com": [SHA_B],
            SHA_A: ["network.static.ip__10.0.0.1"]
        },
        "classification": "TLP:CLEAR", "filtered": false, "partial": false
    })
}

fn summary_json_2() -> Value {
    json!({
        "tags": {"ioc": {
            "network.static.ip": [["10.0.0.1", "info", false, ""], ["9.9.9.9", "suspicious", false, "TLP:CLEAR"]],
            "network.static.domain": [["evil.com", "info", true, "TLP:CLEAR"]],
            "network.email.address": [["bob@evil.com", "info", false, "TLP:CLEAR"]]
        }},
        "map": {"network.static.ip__10.0.0.1": [SHA_C]}
    })
}

/// Ontology NDJSON: ports as numbers, heuristics carrying the verdict.
fn ontology_ndjson() -> String {
    let records = [
        json!({"classification": "TLP:CLEAR", "file": {"sha256": SHA_A}, "submission": {"sid": "S1"},
        "results": {"tags": {
            "network.port": [443, 8080],
            "network.static.ip": ["10.0.0.1", "172.16.0.1"],
            "network.tls.sni": ["cdn.evil.com"],
            "network.user_agent": ["Mozilla/5.0"],
            "network.static.uri_path": ["/gate.php"],
            "file.string.api": ["CreateFileA"]
        }, "score": 1300, "heuristics": [
            {"heur_id": "N.1", "score": 1000, "tags": {"network.port": [443], "network.static.ip": ["172.16.0.1"]}},
            {"heur_id": "N.2", "score": 300, "tags": {"network.port": [443, 8080]}},
            {"heur_id": "N.3", "score": -100, "tags": {"network.user_agent": ["Mozilla/5.0"]}}
        ]}}),
        json!({"classification": "TLP:AMBER", "file": {"sha256": SHA_B}, "submission": {"sid": "S1"},
            "results": {"tags": {"network.static.ip": ["10.0.0.1"], "network.port": [443]}, "score": 0}}),
    ];
    records.iter().map(|r| format!("{r}\n")).collect()
}

pub(super) fn summary(raw: Value) -> Summary {
    serde_json::from_value(raw).unwrap()
}

fn collected() -> IocSet {
    let mut set = IocSet::with_suffixes(Some(super::bundled_suffixes()));
    set.add_summary("S1", &summary(summary_json_1()));
    set.add_summary("S2", &summary(summary_json_2()));
    set.add_ontology("S1", &parse_ontology(&ontology_ndjson()).unwrap());
    set
}

pub(super) fn values<'a>(iocs: impl IntoIterator<Item = &'a Ioc>) -> Vec<&'a str> {
    iocs.into_iter().map(|i| i.value.as_str()).collect()
}

#[test]
fn dedupes_across_submissions_files_and_sources() {
    let set = collected();
    let ip = set.get("network.static.ip", "10.0.0.1").unwrap();
    assert_eq!(ip.sids, BTreeSet::from(["S1".into(), "S2".into()]));
    assert_eq!(
        ip.files,
        BTreeSet::from([SHA_A.into(), SHA_B.into(), SHA_C.into()])
    );
    let pairs: BTreeSet<(String, String)> = [("S1", SHA_A), ("S1", SHA_B), ("S2", SHA_C)]
        .iter()
        .map(|(s, f)| (s.to_string(), f.to_string()))
        .collect();
    assert_eq!(
        ip.occurrences, pairs,
        "no S2/SHA_A pair: that file was never in S2"
    );
    assert_eq!(
        ip.origins,
        BTreeSet::from([Source::Summary, Source::Ontology])
    );
    // One entry per (type, value) however often it was seen.
    assert_eq!(set.groups(&Filter::default())[0].total, 4);
    // No file named in the map: the occurrence still records the submission.
    let mail = set.get("network.email.address", "bob@evil.com").unwrap();
    assert_eq!(
        mail.occurrences,
        BTreeSet::from([("S2".to_string(), String::new())])
    );
    assert!(mail.files.is_empty());
}

#[test]
fn merge_keeps_worst_verdict_any_safelist_and_first_classification() {
    let set = collected();
    let ip = set.get("network.static.ip", "10.0.0.1").unwrap();
    assert_eq!(ip.verdict, Verdict::Malicious, "S1 said malicious, S2 info");
    assert_eq!(ip.classification, "TLP:CLEAR");
    let domain = set.get("network.static.domain", "evil.com").unwrap();
    assert_eq!(domain.verdict, Verdict::Suspicious);
    assert!(domain.safelisted, "safelisted in S2 only");
    assert_eq!(domain.classification, "TLP:AMBER", "first non-empty wins");
}

#[test]
fn only_network_ioc_tags_are_taken() {
    let set = collected();
    assert!(set.get("av.virus_name", "EICAR").is_none());
    assert!(set.get("file.behavior", "drops").is_none());
    assert!(set.get("file.string.api", "CreateFileA").is_none());
}

#[test]
fn ontology_verdicts_come_from_heuristic_scores() {
    let set = collected();
    let verdict = |t: &str, v: &str| set.get(t, v).unwrap().verdict;
    assert_eq!(
        verdict("network.port", "443"),
        Verdict::Malicious,
        "worst of 1000 and 300"
    );
    assert_eq!(verdict("network.port", "8080"), Verdict::Suspicious);
    assert_eq!(
        verdict("network.static.ip", "172.16.0.1"),
        Verdict::Malicious
    );
    assert_eq!(verdict("network.user_agent", "Mozilla/5.0"), Verdict::Safe);
    assert_eq!(
        verdict("network.tls.sni", "cdn.evil.com"),
        Verdict::Info,
        "in no heuristic"
    );
    assert_eq!(
        set.get("network.port", "443").unwrap().files,
        BTreeSet::from([SHA_A.into(), SHA_B.into()])
    );
    assert_eq!(
        set.get("network.port", "443").unwrap().classification,
        "TLP:CLEAR"
    );
    for (score, v) in [
        (1000, Verdict::Malicious),
        (999, Verdict::Suspicious),
        (300, Verdict::Suspicious),
    ] {
        assert_eq!(verdict_for_score(score), v);
    }
    assert_eq!(verdict_for_score(0), Verdict::Info);
    assert_eq!(verdict_for_score(-1), Verdict::Safe);
}

#[test]
fn ontology_alone_never_says_not_safelisted_and_follows_the_servers_thresholds() {
    let records = parse_ontology(&ontology_ndjson()).unwrap();
    let mut set = IocSet::new().with_verdicts(VerdictThresholds {
        malicious: 5000,
        ..VerdictThresholds::default()
    });
    set.add_ontology("S1", &records);
    let port = set.get("network.port", "443").unwrap();
    assert!(!port.safelist_known && !port.safelisted);
    assert_eq!(port.verdict, Verdict::Suspicious, "1000 is below 5000 here");
}

#[test]
fn ontology_takes_flag_and_verdict_from_the_same_submissions_summary() {
    let records = parse_ontology(&ontology_ndjson()).unwrap();
    let s = summary(json!({"tags": {"ioc": {"network.static.ip": [
        ["172.16.0.1", "info", true, "TLP:CLEAR"],
        ["10.0.0.1", "suspicious", false, "TLP:CLEAR"]]}}}));
    let mut set = IocSet::new();
    set.add_ontology_with_summary("S1", &records, Some(&s));
    let ip = set.get("network.static.ip", "172.16.0.1").unwrap();
    assert!(ip.safelisted && ip.safelist_known);
    assert_eq!(
        ip.verdict,
        Verdict::Info,
        "the summary's, not the heuristic's malicious"
    );
    let other = set.get("network.static.ip", "10.0.0.1").unwrap();
    assert!(other.safelist_known && !other.safelisted);
    assert_eq!(other.verdict, Verdict::Suspicious);
    // A value the summary lacks keeps the heuristic verdict and an unknown flag.
    let port = set.get("network.port", "8080").unwrap();
    assert!(!port.safelist_known);
    assert_eq!(port.verdict, Verdict::Suspicious);
}

#[test]
fn default_filter_hides_safelisted_but_counts_them() {
    let set = collected();
    let groups = set.groups(&Filter::default());
    let domain = groups
        .iter()
        .find(|g| g.tag_type == "network.static.domain")
        .unwrap();
    assert!(domain.iocs.is_empty());
    assert_eq!(
        (domain.total, domain.hidden()),
        (1, 1),
        "the row stays to say what it hides"
    );
    let ips = &groups[0];
    assert!(!values(ips.iocs.iter().copied()).contains(&"8.8.8.8"));
    let all = set.groups(&Filter {
        hide_safelisted: false,
        ..Filter::default()
    });
    assert!(values(all[0].iocs.iter().copied()).contains(&"8.8.8.8"));
}

#[test]
fn text_and_verdict_filters() {
    let set = collected();
    let by_text = |text: &str| {
        values(set.visible(&Filter {
            text: text.into(),
            ..Filter::default()
        }))
    };
    assert_eq!(by_text("  CDN.EVIL "), vec!["cdn.evil.com"]);
    // A type name match shows the whole type.
    assert_eq!(by_text("PORT"), vec!["443", "8080"]);
    assert!(by_text("nothing-like-this").is_empty());
    let filter = Filter {
        verdicts: Some(BTreeSet::from([Verdict::Malicious])),
        ..Filter::default()
    };
    assert_eq!(
        values(set.visible(&filter)),
        vec!["10.0.0.1", "172.16.0.1", "443"]
    );
    let ioc = set.get("network.port", "443").unwrap();
    assert!(filter.matches(ioc));
    assert!(!Filter {
        text: "zzz".into(),
        ..Filter::default()
    }
    .matches(ioc));
}

/// The text is searched for once over every value; what it finds is what value-by-value
/// matching finds: repeats, overlaps, a value ending where the next begins, text whose
/// lowercase is longer than it, and a filter holding the separator between values.
#[test]
fn text_found_in_one_pass_equals_value_by_value_matching() {
    let tricky = [
        "aaa",
        "aab",
        "baa",
        "a",
        "",
        "İstanbul.example",
        "ISTANBUL.example",
        "x\0y",
        "y",
        "x",
        "evil.com",
        "sub.evil.com",
        "evil.co",
        "ﬁle.example",
        "Straße.de",
        "strasse.de",
    ];
    let rows: Vec<Value> = tricky
        .iter()
        .map(|v| json!([v, "info", false, "TLP:CLEAR"]))
        .collect();
    let mut set = IocSet::new();
    set.add_summary(
        "S1",
        &summary(json!({"tags": {"ioc": {"network.static.domain": rows, "network.port": [["443", "info", false, ""]]}}, "map": {}})),
    );
    set.add_ontology("S1", &parse_ontology(&ontology_ndjson()).unwrap());
    let needles = [
        "a", "aa", "aaa", "ab", "ba", "İ", "i̇", "istanbul", "x\0", "\0y", "\0", "evil.c", "ss",
        "ß", "file", "ﬁ", "PORT", "443", " EVIL ", "zzz", "",
    ];
    let everything = set.groups(&Filter {
        hide_safelisted: false,
        ..Filter::default()
    });
    let mut found_any = 0;
    for needle in needles {
        let filter = Filter {
            text: needle.to_string(),
            hide_safelisted: false,
            ..Filter::default()
        };
        for (tag_type, total, ids) in set.visible_id_groups(&filter) {
            let by_value: Vec<&str> = everything
                .iter()
                .find(|g| g.tag_type == tag_type)
                .map(|g| g.iocs.clone())
                .unwrap_or_default()
                .into_iter()
                .filter(|i| filter.matches(i))
                .map(|i| i.value.as_str())
                .collect();
            let one_pass: Vec<&str> = ids
                .iter()
                .map(|&id| set.by_id(id).unwrap().value.as_str())
                .collect();
            assert_eq!(one_pass, by_value, "{needle:?} in {tag_type}");
            assert_eq!(total, set.count(tag_type));
            assert_eq!(set.visible_ids(tag_type, &filter), ids);
            found_any += ids.len();
        }
    }
    assert!(found_any > 0);
}

#[test]
fn groups_follow_al_type_order_then_alphabetical() {
    let set = collected();
    let types: Vec<&str> = set
        .groups(&Filter::default())
        .iter()
        .map(|g| g.tag_type)
        .collect();
    assert_eq!(
        types,
        [
            "network.static.ip",
            "network.static.domain",
            "network.dynamic.uri",
            "network.email.address",
            "network.port",
            "network.static.uri_path",
            "network.tls.sni",
            "network.user_agent",
        ]
    );
}

/// Values are malware's strings: one value is one exact text. Spellings that a display key,
/// a filter or an HTML escape would make look alike (case, surrounding spaces, escaped
/// markup) stay separate values, each kept byte for byte.
#[test]
fn values_differing_in_case_spaces_or_escaping_stay_apart_and_exact() {
    let spellings = [
        "http://evil.com/<script>alert(1)</script>",
        "http://evil.com/&lt;script&gt;alert(1)&lt;/script&gt;",
        "HTTP://EVIL.COM/<script>alert(1)</script>",
        " http://evil.com/<script>alert(1)</script>",
        "http://evil.com/<script>alert(1)</script>\t",
    ];
    let tags: Vec<Value> = spellings
        .iter()
        .map(|v| json!([v, "suspicious", false, ""]))
        .collect();
    let mut set = IocSet::new();
    set.add_summary(
        "S1",
        &summary(json!({"tags": {"ioc": {"network.dynamic.uri": tags.clone()}}})),
    );
    // A second submission with the same spellings adds no value.
    set.add_summary(
        "S2",
        &summary(json!({"tags": {"ioc": {"network.dynamic.uri": tags}}})),
    );
    assert_eq!(set.len(), spellings.len());
    let mut shown = values(set.visible(&Filter::default()));
    shown.sort();
    let mut want: Vec<&str> = spellings.to_vec();
    want.sort();
    assert_eq!(shown, want);
    for v in spellings {
        let ioc = set.get("network.dynamic.uri", v).expect(v);
        assert_eq!(ioc.value, v);
        assert_eq!(ioc.sids.len(), 2, "{v:?}");
    }
    // The text filter matches markup as typed, in any case.
    let script = Filter {
        text: "<SCRIPT>".into(),
        ..Filter::default()
    };
    assert_eq!(set.visible(&script).len(), 4);
}

#[test]
fn empty_and_null_values_are_dropped() {
    let mut set = IocSet::new();
    let line = json!({"file": {"sha256": SHA_A}, "results": {"tags": {"network.static.domain": ["", null, "ok.com"]}}});
    set.add_ontology("S", &parse_ontology(&line.to_string()).unwrap());
    set.add_summary(
        "S",
        &summary(json!({"tags": {"ioc": {"network.static.ip": [["", "info"]]}}})),
    );
    assert_eq!(values(set.visible(&Filter::default())), ["ok.com"]);
    assert_eq!(set.len(), 1);
}

/// Exercise 1's loops, written against the raw JSON and nothing of this module.
fn seed_from_summary(summary: &Value, out: &mut BTreeMap<String, Vec<String>>) {
    for (name, tuples) in summary["tags"]["ioc"].as_object().unwrap() {
        for tuple in tuples.as_array().unwrap() {
            if name.starts_with("network") {
                out.entry(name.clone())
                    .or_default()
                    .push(python_str(&tuple[0]));
            }
        }
    }
}

fn seed_from_ontology(ndjson: &str, out: &mut BTreeMap<String, Vec<String>>) {
    for line in ndjson.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        for (name, vals) in record["results"]["tags"].as_object().unwrap() {
            if name.starts_with("network") {
                out.entry(name.clone())
                    .or_default()
                    .extend(vals.as_array().unwrap().iter().map(python_str));
            }
        }
    }
}

fn python_str(v: &Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

#[test]
fn seed_json_matches_the_seed_scripts() {
    let mut seed = BTreeMap::new();
    seed_from_summary(&summary_json_1(), &mut seed);
    seed_from_summary(&summary_json_2(), &mut seed);
    seed_from_ontology(&ontology_ndjson(), &mut seed);
    let ours = collected().seed_json();
    let ours = ours.as_object().unwrap();
    assert_eq!(
        ours.keys().collect::<BTreeSet<_>>(),
        seed.keys().collect::<BTreeSet<_>>()
    );
    for (name, seed_values) in &seed {
        let list: Vec<&str> = ours[name]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let set: BTreeSet<&str> = list.iter().copied().collect();
        assert_eq!(list.len(), set.len(), "{name}: values appear once");
        assert_eq!(
            set,
            seed_values.iter().map(String::as_str).collect(),
            "{name}"
        );
    }
    assert!(
        ours["network.static.ip"]
            .as_array()
            .unwrap()
            .contains(&json!("8.8.8.8")),
        "safelisted kept"
    );
}

#[test]
fn ten_thousand_values_add_and_group_without_blowing_up() {
    let mut set = IocSet::with_suffixes(Some(super::bundled_suffixes()));
    // Many small batches, as when submissions arrive one by one: each re-sort must stay cheap.
    for batch in 0..100u32 {
        let tags: BTreeMap<String, Vec<Value>> = BTreeMap::from([
            (
                "network.static.ip".into(),
                (0..40)
                    .map(|i| json!(format!("10.{batch}.{}.{i}", i % 7)))
                    .collect(),
            ),
            (
                "network.static.domain".into(),
                (0..40)
                    .map(|i| json!(format!("h{i}.d{batch}.co.uk")))
                    .collect(),
            ),
            (
                "network.dynamic.uri".into(),
                (0..20)
                    .map(|i| json!(format!("http://x{i}.e{batch}.com/{i}")))
                    .collect(),
            ),
            ("network.port".into(), vec![json!(batch)]),
        ]);
        let record = json!({"file": {"sha256": SHA_A}, "results": {"tags": tags}});
        set.add_ontology(
            &format!("S{batch}"),
            &parse_ontology(&record.to_string()).unwrap(),
        );
    }
    assert_eq!(set.len(), 10_100);
    let groups = set.groups(&Filter {
        text: "co.uk".into(),
        ..Filter::default()
    });
    assert_eq!(groups.iter().map(|g| g.iocs.len()).sum::<usize>(), 4000);
    let all = set.groups(&Filter::default());
    assert_eq!(all[0].iocs[0].value, "10.0.0.0");
    assert_eq!(all.iter().map(|g| g.total).sum::<usize>(), 10_100);
}
