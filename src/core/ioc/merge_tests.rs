//! Incremental grouping equals grouping from scratch: random answers (summaries and ontology
//! records drawn from small pools, so values repeat across submissions and verdicts rise and
//! safelist marks appear late) merged one by one, in random orders, against a reference that
//! collects every sighting first and sorts once at the end.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use std::cmp::Ordering;

use super::sort::{type_rank, ValueKey};
use super::*;
use crate::core::api::{parse_ontology, OntologyRecord, Summary};
use crate::core::test_support::Rng;

const VERDICTS: [&str; 5] = [
    "safe",
    "info",
    "suspicious",
    "highly_suspicious",
    "malicious",
];
const MARKINGS: [&str; 3] = ["", "TLP:CLEAR", "TLP:AMBER"];

/// A value of `tag_type` from a pool of about 60, so repeats are common.
fn pool_value(rng: &mut Rng, tag_type: &str) -> Value {
    let n = rng.below(60usize);
    match tag_type {
        "network.static.ip" | "network.dynamic.ip" if n.is_multiple_of(7) => {
            json!(format!("2001:db8::{n:x}"))
        }
        "network.static.ip" | "network.dynamic.ip" => json!(format!("10.0.{}.{}", n / 10, n % 10)),
        "network.static.domain" | "network.dynamic.domain" => {
            json!(format!("h{}.site{}.example.co.uk", n % 9, n / 9))
        }
        "network.static.uri" => json!(format!("http://d{}.example.org/p/{n}", n % 5)),
        "network.email.address" => json!(format!("u{n}@mail{}.example.com", n % 4)),
        // Numbers, as the ontology sends ports; the summary's tuples say "443".
        "network.port" => json!([80, 443, 8080, 4444, 53][n % 5]),
        _ => json!(format!("agent {n}")),
    }
}

const TYPES: [&str; 8] = [
    "network.static.ip",
    "network.dynamic.ip",
    "network.static.domain",
    "network.dynamic.domain",
    "network.static.uri",
    "network.email.address",
    "network.port",
    "network.user_agent",
];

enum Answer {
    Summary(String, Summary),
    Ontology(String, Vec<OntologyRecord>),
}

fn sha(n: usize) -> String {
    format!("{n:064x}")
}

fn random_summary(rng: &mut Rng) -> Summary {
    let mut ioc: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for _ in 0..rng.below(12) {
        let tag_type = *rng.pick(&TYPES);
        let value = scalar_text(&pool_value(rng, tag_type));
        let tags = ioc.entry(tag_type.to_string()).or_default();
        // A summary lists a value once per type.
        if tags.iter().any(|t| t[0] == json!(value)) {
            continue;
        }
        let safelisted = rng.below(10) == 0;
        tags.push(json!([
            value,
            rng.pick(&VERDICTS),
            safelisted,
            rng.pick(&MARKINGS)
        ]));
        let files: Vec<String> = (0..rng.below(3)).map(|_| sha(rng.below(6))).collect();
        map.insert(format!("{tag_type}__{value}"), files);
    }
    serde_json::from_value(json!({"tags": {"ioc": ioc}, "map": map})).unwrap()
}

fn random_ontology(rng: &mut Rng) -> Vec<OntologyRecord> {
    let mut lines = String::new();
    for _ in 0..rng.below(4) {
        let mut tags: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        let mut flagged: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for _ in 0..rng.below(8) {
            let tag_type = *rng.pick(&TYPES);
            let value = pool_value(rng, tag_type);
            if rng.below(3) == 0 {
                flagged.entry(tag_type).or_default().push(value.clone());
            }
            tags.entry(tag_type).or_default().push(value);
        }
        let score = *rng.pick(&[-100, 0, 300, 1000]);
        let record = json!({
            "classification": rng.pick(&MARKINGS),
            "file": {"sha256": if rng.below(5) == 0 { String::new() } else { sha(rng.below(6)) }},
            "results": {"tags": tags, "heuristics": [{"heur_id": "H", "score": score, "tags": flagged}]}
        });
        lines.push_str(&format!("{record}\n"));
    }
    parse_ontology(&lines).unwrap()
}

fn random_answers(rng: &mut Rng, n: usize) -> Vec<Answer> {
    (0..n)
        .map(|i| {
            // Some submissions answer twice (a sid in the box and in the query's hits).
            let sid = format!(
                "S{}",
                if rng.below(8) == 0 {
                    rng.below(i + 1)
                } else {
                    i
                }
            );
            if rng.below(2) == 0 {
                Answer::Summary(sid, random_summary(rng))
            } else {
                Answer::Ontology(sid, random_ontology(rng))
            }
        })
        .collect()
}

fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}

/// The merge rules, applied the slow way: every sighting of a (type, value) in arrival
/// order, folded at the end; then each type sorted whole.
fn from_scratch(answers: &[&Answer]) -> Vec<(String, Vec<Ioc>)> {
    let mut seen: BTreeMap<(String, String), Ioc> = BTreeMap::new();
    let mut sight = |tag_type: &str,
                     value: &str,
                     sid: &str,
                     verdict: Verdict,
                     safelisted: Option<bool>,
                     classification: &str,
                     origin: Source,
                     files: &[String]| {
        let ioc = seen
            .entry((tag_type.to_string(), value.to_string()))
            .or_insert_with(|| Ioc {
                verdict,
                ..Ioc::new(tag_type, value)
            });
        ioc.verdict = ioc.verdict.max(verdict);
        // Only the summary knows the safelist; the ontology leaves the flag as it is.
        if let Some(safelisted) = safelisted {
            ioc.safelisted |= safelisted;
            ioc.safelist_known = true;
        }
        if ioc.classification.is_empty() {
            ioc.classification = classification.to_string();
        }
        ioc.origins.insert(origin);
        ioc.sids.insert(sid.to_string());
        ioc.files.extend(files.iter().cloned());
        if files.is_empty() {
            ioc.occurrences.insert((sid.to_string(), String::new()));
        }
        for f in files {
            ioc.occurrences.insert((sid.to_string(), f.clone()));
        }
    };
    for answer in answers {
        match answer {
            Answer::Summary(sid, summary) => {
                for (tag_type, tags) in &summary.tags.ioc {
                    for tag in tags {
                        let files = summary.sources(tag_type, &tag.value);
                        sight(
                            tag_type,
                            &tag.value,
                            sid,
                            tag.verdict,
                            Some(tag.safelisted),
                            &tag.classification,
                            Source::Summary,
                            files,
                        );
                    }
                }
            }
            Answer::Ontology(sid, records) => {
                for record in records {
                    let score = record.results.heuristics[0].score;
                    let flagged = &record.results.heuristics[0].tags;
                    let files: Vec<String> = Some(record.file.sha256.clone())
                        .filter(|f| !f.is_empty())
                        .into_iter()
                        .collect();
                    for (tag_type, values) in &record.results.tags {
                        for raw in values {
                            let hit = flagged.get(tag_type).is_some_and(|f| f.contains(raw));
                            let verdict = if hit {
                                verdict_for_score(score)
                            } else {
                                Verdict::Info
                            };
                            let value = scalar_text(raw);
                            sight(
                                tag_type,
                                &value,
                                sid,
                                verdict,
                                None,
                                &record.classification,
                                Source::Ontology,
                                &files,
                            );
                        }
                    }
                }
            }
        }
    }
    let suffixes = bundled_suffixes();
    let mut by_type: BTreeMap<String, Vec<Ioc>> = BTreeMap::new();
    for ((tag_type, _), ioc) in seen {
        by_type.entry(tag_type).or_default().push(ioc);
    }
    let mut out: Vec<(String, Vec<Ioc>)> = by_type
        .into_iter()
        .map(|(tag_type, mut iocs)| {
            let key = |i: &Ioc| ValueKey::new(&i.tag_type, &i.value, Some(&suffixes));
            iocs.sort_by(|a, b| display_cmp((a, &key(a)), (b, &key(b))));
            (tag_type, iocs)
        })
        .collect();
    out.sort_by(|a, b| type_rank(&a.0).cmp(&type_rank(&b.0)));
    out
}

/// The UI's order written plainly: worst verdict first (safelisted counts as safe), then the
/// value key, then the raw text.
fn display_cmp(a: (&Ioc, &ValueKey), b: (&Ioc, &ValueKey)) -> Ordering {
    let rank = |ioc: &Ioc| {
        std::cmp::Reverse(if ioc.safelisted {
            Verdict::Safe
        } else {
            ioc.verdict
        })
    };
    rank(a.0)
        .cmp(&rank(b.0))
        .then_with(|| a.1.cmp(b.1))
        .then_with(|| a.0.value.cmp(&b.0.value))
}

fn incremental(answers: &[&Answer]) -> IocSet {
    let mut set = IocSet::with_suffixes(Some(bundled_suffixes()));
    for answer in answers {
        merge(&mut set, answer);
    }
    set
}

fn merge(set: &mut IocSet, answer: &Answer) {
    match answer {
        Answer::Summary(sid, summary) => set.add_summary(sid, summary),
        Answer::Ontology(sid, records) => {
            // Records arrive one line at a time when streamed.
            for record in records {
                set.add_ontology(sid, std::slice::from_ref(record));
            }
        }
    }
}

fn everything() -> Filter {
    Filter {
        hide_safelisted: false,
        ..Filter::default()
    }
}

#[test]
fn incremental_grouping_equals_grouping_from_scratch_in_any_order() {
    let mut rng = Rng::new(0x5EED_1234_ABCD_0001);
    let answers = random_answers(&mut rng, 600);
    let mut order: Vec<&Answer> = answers.iter().collect();
    let mut sightings_checked = 0;
    for round in 0..4 {
        if round > 0 {
            shuffle(&mut rng, &mut order);
        }
        let set = incremental(&order);
        let expected = from_scratch(&order);
        let got: Vec<(String, Vec<Ioc>)> = set
            .groups(&everything())
            .into_iter()
            .map(|g| {
                (
                    g.tag_type.to_string(),
                    g.iocs.into_iter().cloned().collect(),
                )
            })
            .collect();
        assert_eq!(got.len(), expected.len(), "round {round}: types");
        for ((t, got), (u, want)) in got.iter().zip(&expected) {
            assert_eq!(t, u, "round {round}: type order");
            assert_eq!(got, want, "round {round}: {t}");
        }
        // The windowed view's handles walk the same order.
        for (tag_type, want) in &expected {
            let ids = set.visible_ids(tag_type, &everything());
            let values: Vec<&str> = ids
                .iter()
                .map(|id| set.by_id(*id).unwrap().value.as_str())
                .collect();
            let want: Vec<&str> = want.iter().map(|i| i.value.as_str()).collect();
            assert_eq!(values, want, "round {round}: {tag_type} by handle");
            assert_eq!(set.count(tag_type), want.len());
        }
        sightings_checked += expected.iter().map(|(_, v)| v.len()).sum::<usize>();
    }
    assert!(
        sightings_checked > 1000,
        "{sightings_checked} values compared"
    );
}

#[test]
fn everything_but_the_first_classification_is_independent_of_arrival_order() {
    let mut rng = Rng::new(0xC0FF_EE00_0000_0042);
    let answers = random_answers(&mut rng, 400);
    let mut order: Vec<&Answer> = answers.iter().collect();
    let strip = |set: &IocSet| -> Vec<(String, Vec<Ioc>)> {
        set.groups(&everything())
            .into_iter()
            .map(|g| {
                let iocs = g
                    .iocs
                    .into_iter()
                    .map(|i| Ioc {
                        classification: String::new(),
                        ..i.clone()
                    })
                    .collect();
                (g.tag_type.to_string(), iocs)
            })
            .collect()
    };
    let first = strip(&incremental(&order));
    shuffle(&mut rng, &mut order);
    assert_eq!(strip(&incremental(&order)), first);
}

#[test]
fn a_value_changes_its_clock_only_when_merged_again() {
    let mut rng = Rng::new(99);
    let answers = random_answers(&mut rng, 50);
    let order: Vec<&Answer> = answers.iter().collect();
    let mut set = incremental(&order);
    let everything = everything();
    let ids = set.visible_ids("network.static.ip", &everything);
    let before: Vec<u64> = ids.iter().map(|id| set.changed(*id)).collect();
    let first = set.by_id(ids[0]).unwrap().value.clone();
    let summary: Summary = serde_json::from_value(json!({"tags": {"ioc": {
        "network.static.ip": [[first, "info", false, ""]]
    }}}))
    .unwrap();
    set.add_summary("S-late", &summary);
    let after: Vec<u64> = ids.iter().map(|id| set.changed(*id)).collect();
    assert!(after[0] > before[0]);
    assert_eq!(after[1..], before[1..]);
}

#[test]
fn filtered_handles_equal_the_filtered_groups() {
    let mut rng = Rng::new(7);
    let answers = random_answers(&mut rng, 300);
    let order: Vec<&Answer> = answers.iter().collect();
    let set = incremental(&order);
    let filters = [
        Filter::default(),
        Filter {
            text: "SITE1".into(),
            ..Filter::default()
        },
        Filter {
            text: "network.port".into(),
            verdicts: Some(BTreeSet::from([Verdict::Suspicious, Verdict::Malicious])),
            hide_safelisted: false,
        },
    ];
    for filter in &filters {
        for group in set.groups(filter) {
            let by_handle: Vec<&Ioc> = set
                .visible_ids(group.tag_type, filter)
                .into_iter()
                .map(|id| set.by_id(id).unwrap())
                .collect();
            assert_eq!(by_handle, group.iocs, "{filter:?} {}", group.tag_type);
            for ioc in &group.iocs {
                assert!(filter.matches(ioc));
            }
        }
    }
}

/// The view reads a flattened copy of each type's order (`TypeIndex::shown`): read after
/// every answer, it must still show each new value and each verdict or safelist change.
#[test]
fn a_filter_read_between_answers_sees_every_change() {
    let mut rng = Rng::new(0xF11_7E25);
    let answers = random_answers(&mut rng, 300);
    let mut set = IocSet::with_suffixes(Some(bundled_suffixes()));
    let flags = Filter {
        verdicts: Some(BTreeSet::from([Verdict::Suspicious, Verdict::Malicious])),
        hide_safelisted: true,
        ..Filter::default()
    };
    let mut shown_by_flags = 0;
    for (n, answer) in answers.iter().enumerate() {
        merge(&mut set, answer);
        for (tag_type, total, all) in set.visible_id_groups(&everything()) {
            assert_eq!(
                all.len(),
                total,
                "after answer {n}: {tag_type} lost a value"
            );
            let want: Vec<IocId> = all
                .into_iter()
                .filter(|id| flags.matches(set.by_id(*id).unwrap()))
                .collect();
            let got = set.visible_ids(tag_type, &flags);
            assert_eq!(got, want, "after answer {n}: {tag_type} with stale flags");
            shown_by_flags += got.len();
        }
    }
    assert!(shown_by_flags > 1000, "{shown_by_flags} values checked");
}
