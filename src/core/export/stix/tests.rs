use std::collections::BTreeSet;

use serde_json::Value;
use uuid::Uuid;

use super::{indicator_id, stix_pattern, to_stix};
use crate::core::export::tests::{refs, sample, SHA_A, SHA_B};
use crate::core::ioc::Ioc;

const NOW: &str = "2026-05-01T12:00:00.000Z";

fn stix(iocs: &[&Ioc]) -> Value {
    serde_json::from_str(&to_stix(iocs, NOW)).unwrap()
}

#[test]
fn stix_bundle_indicators_and_patterns() {
    let iocs = sample();
    let bundle = stix(&refs(&iocs));
    assert_eq!(bundle["type"], "bundle");
    let objects = bundle["objects"].as_array().unwrap();
    let patterns: Vec<&str> = objects
        .iter()
        .map(|o| o["pattern"].as_str().unwrap())
        .collect();
    assert_eq!(
        patterns,
        [
            "[ipv4-addr:value = '10.0.0.1']",
            "[ipv6-addr:value = '2001:db8::1']",
            "[domain-name:value = 'evil.co.uk']",
            r"[url:value = 'http://evil.co.uk/it\'s\\here']",
            "[email-addr:value = 'bob@evil.co.uk']",
        ],
        "port, user agent and ja3s have no pattern"
    );
    let first = &objects[0];
    for (field, want) in [
        ("type", "indicator"),
        ("spec_version", "2.1"),
        ("pattern_type", "stix"),
        ("name", "10.0.0.1"),
    ] {
        assert_eq!(first[field], want, "{field}");
    }
    for field in ["created", "modified", "valid_from"] {
        assert_eq!(first[field], NOW);
    }
    let kinds: Vec<&str> = objects
        .iter()
        .map(|o| o["indicator_types"][0].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "malicious-activity",
            "unknown",
            "malicious-activity",
            "benign",
            "malicious-activity"
        ]
    );
    assert_eq!(
        objects[3]["labels"],
        serde_json::json!(["malicious", "safelisted"])
    );
    let description = first["description"].as_str().unwrap();
    assert!(
        description.contains("S1, S2")
            && description.contains(SHA_A)
            && description.contains(SHA_B)
    );
    assert_eq!(
        objects[3]["name"], "http://evil.co.uk/it's\\here",
        "raw, not defanged"
    );
}

fn uuid_of(id: &str, prefix: &str) -> Uuid {
    Uuid::parse_str(id.strip_prefix(prefix).unwrap()).unwrap()
}

#[test]
fn stix_ids_are_stable_v5() {
    let iocs = sample();
    let a = stix(&refs(&iocs));
    let mut reversed = refs(&iocs);
    reversed.reverse();
    let b: Value = serde_json::from_str(&to_stix(&reversed, "2027-01-01T00:00:00Z")).unwrap();
    assert_eq!(a["id"], b["id"], "bundle id ignores order and time");
    let ids = |v: &Value| {
        v["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(ids(&a), ids(&b));
    let id = a["objects"][0]["id"].as_str().unwrap();
    assert_eq!(id, indicator_id("network.static.ip", "10.0.0.1"));
    let uuid = uuid_of(id, "indicator--");
    assert_eq!(uuid.get_version_num(), 5);
    assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122);
    assert_eq!(
        uuid_of(a["id"].as_str().unwrap(), "bundle--").get_version_num(),
        5
    );
    // Type is part of the identity: the same address seen statically and live differs.
    assert_ne!(
        indicator_id("network.static.ip", "1.2.3.4"),
        indicator_id("network.dynamic.ip", "1.2.3.4")
    );
    let empty = stix(&[]);
    assert_eq!(empty["objects"], serde_json::json!([]));
    assert_ne!(empty["id"], a["id"]);
}

#[test]
fn stix_pattern_escapes_quote_and_backslash() {
    assert_eq!(
        stix_pattern("network.static.domain", r"a'b\c").unwrap(),
        r"[domain-name:value = 'a\'b\\c']"
    );
    assert_eq!(stix_pattern("network.port", "443"), None);
}
