use std::collections::BTreeMap;

use serde_json::Value;
use uuid::Uuid;

use super::*;
use crate::core::export::tests::{ioc, refs, sample, SHA_A, SHA_B};

const NOW: &str = "2026-05-01T12:00:00.000Z";
const SERVER: &str = "https://al.example.org";
/// `user_identity_id(SERVER, "analyst")`, written out: ids must not change between versions.
const ANALYST: &str = "identity--5731ca83-1976-42a6-a978-7eaefe09a821";

/// Random bytes that differ per call, as the browser's would.
fn counter(start: u8) -> impl FnMut() -> [u8; 16] {
    let mut n = start;
    move || {
        n = n.wrapping_add(1);
        [n; 16]
    }
}

fn stix_at(iocs: &[&Ioc], now: &str, start: u8) -> Value {
    let export = StixExport {
        now,
        user: "analyst",
        server: SERVER,
    };
    serde_json::from_str(&to_stix(iocs, &export, &mut counter(start))).unwrap()
}

fn objects(bundle: &Value) -> &Vec<Value> {
    bundle["objects"].as_array().unwrap()
}

fn of_type<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    objects(bundle)
        .iter()
        .filter(|o| o["type"] == kind)
        .collect()
}

fn uuid_of(id: &str) -> Uuid {
    Uuid::parse_str(id.rsplit("--").next().unwrap()).unwrap()
}

#[test]
fn cyber_observable_ids_are_the_specs_uuidv5() {
    // Literal ids, as the OASIS `stix2` library computes them for the same values.
    for (kind, value, id) in [
        (
            "ipv4-addr",
            "10.0.0.1",
            "7dd44d27-f473-5ba9-b12b-0d3a61bbed2e",
        ),
        (
            "ipv6-addr",
            "2001:db8::1",
            "6469e3a9-b053-5e34-a025-9396ae051d26",
        ),
        (
            "domain-name",
            "example.com",
            "bedb4899-d24b-5401-bc86-8f6b4cc18ec7",
        ),
        (
            "domain-name",
            "evil.co.uk",
            "0ddb2ac3-24bd-5280-ba65-0238c9c658a9",
        ),
        (
            "domain-name",
            "bücher.example",
            "dbf3aff2-b3cd-57d2-9616-0ddfde9d01ad",
        ),
        (
            "url",
            "http://evil.co.uk/it's\\here",
            "fc3097ac-2e28-57ff-b2dc-0a2bcdc34db3",
        ),
        (
            "url",
            "http://x/\"q\"\t",
            "1bc3e394-2276-51ac-b701-fbf4b6d1463f",
        ),
        (
            "email-addr",
            "bob@evil.co.uk",
            "d1920134-f488-5760-8906-e166ef0f033b",
        ),
        (
            "mac-addr",
            "00:1a:2b:3c:4d:5e",
            "8bbba7bb-0054-556b-a740-4d38221678a8",
        ),
    ] {
        assert_eq!(object_id(kind, value), format!("{kind}--{id}"), "{value:?}");
    }
}

#[test]
fn the_users_identity_is_stable_and_v4() {
    assert_eq!(user_identity_id(SERVER, "analyst"), ANALYST);
    assert_eq!(uuid_of(ANALYST).get_version_num(), 4);
    assert_eq!(uuid_of(ANALYST).get_variant(), uuid::Variant::RFC4122);
    assert_ne!(user_identity_id(SERVER, "other"), ANALYST);
    assert_ne!(user_identity_id("https://al.lab", "analyst"), ANALYST);
}

#[test]
fn bundle_holds_producer_user_observables_and_indicators() {
    let iocs = sample();
    let bundle = stix_at(&refs(&iocs), NOW, 0);
    assert_eq!(bundle["type"], "bundle");
    assert_eq!(uuid_of(bundle["id"].as_str().unwrap()).get_version_num(), 4);
    let kinds: Vec<&str> = objects(&bundle)
        .iter()
        .map(|o| o["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "identity",
            "extension-definition",
            "identity",
            "ipv4-addr",
            "ipv6-addr",
            "domain-name",
            "url",
            "email-addr",
            "indicator",
            "indicator",
            "indicator",
            "indicator",
            "indicator",
            "indicator",
        ],
        "port -1 is no port, ja3s has no STIX form; the user agent is a pattern only"
    );
    let user = &objects(&bundle)[2];
    assert_eq!(user["id"], ANALYST);
    assert_eq!(user["identity_class"], "individual");
    assert_eq!(user["name"], "analyst");

    let url = &of_type(&bundle, "url")[0];
    assert_eq!(
        url["value"], "http://evil.co.uk/it's%5Chere",
        "not defanged; RFC 3986 has no backslash"
    );
    assert!(url.get("created").is_none(), "observables have no times");
    assert_eq!(url["created_by_ref"], PRODUCER_ID);
    assert_eq!(
        url["extensions"][EXTENSION_ID]["extension_type"],
        "toplevel-property-extension"
    );

    let indicators = of_type(&bundle, "indicator");
    let patterns: Vec<&str> = indicators
        .iter()
        .map(|o| o["pattern"].as_str().unwrap())
        .collect();
    assert_eq!(
        patterns,
        [
            "[ipv4-addr:value = '10.0.0.1']",
            "[ipv6-addr:value = '2001:db8::1']",
            "[domain-name:value = 'evil.co.uk']",
            r"[url:value = 'http://evil.co.uk/it\'s%5Chere']",
            "[email-addr:value = 'bob@evil.co.uk']",
            "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = '=HYPERLINK(\"http://x\")']",
        ]
    );
    let first = indicators[0];
    for field in ["created", "modified", "valid_from"] {
        assert_eq!(first[field], NOW, "{field}");
    }
    assert_eq!(first["created_by_ref"], ANALYST);
    assert_eq!(first["name"], "10.0.0.1");
    assert_eq!(
        indicators[3]["name"], "http://evil.co.uk/it's\\here",
        "as AL has it"
    );
    assert_eq!(uuid_of(first["id"].as_str().unwrap()).get_version_num(), 4);
    let description = first["description"].as_str().unwrap();
    assert!(
        description.contains("S1, S2")
            && description.contains(SHA_A)
            && description.contains(SHA_B),
        "{description}"
    );
    let kinds: Vec<&str> = indicators
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
            "malicious-activity",
            "benign"
        ]
    );
    assert_eq!(
        indicators[3]["labels"],
        serde_json::json!(["malicious", "safelisted"])
    );
}

#[test]
fn a_value_seen_as_several_types_is_one_object_and_one_indicator() {
    let c2 = "c2.evil-payments.com";
    let iocs = [
        ioc(
            "network.dynamic.domain",
            c2,
            Verdict::Info,
            false,
            &[("S1", SHA_A)],
        ),
        ioc(
            "network.tls.sni",
            c2,
            Verdict::Malicious,
            false,
            &[("S2", SHA_B)],
        ),
        ioc(
            "network.static.domain",
            c2,
            Verdict::Info,
            false,
            &[("S1", SHA_A)],
        ),
    ];
    let bundle = stix_at(&refs(&iocs), NOW, 0);
    let names = of_type(&bundle, "domain-name");
    assert_eq!(names.len(), 1);
    assert_eq!(
        names[0]["id"],
        "domain-name--bdce868e-e387-562a-9bc0-f7186b21d431"
    );
    let indicators = of_type(&bundle, "indicator");
    assert_eq!(indicators.len(), 1);
    assert_eq!(
        indicators[0]["indicator_types"][0], "malicious-activity",
        "worst verdict"
    );
    let description = indicators[0]["description"].as_str().unwrap();
    assert!(
        description.starts_with(
            "Assemblyline network.dynamic.domain, network.tls.sni, network.static.domain (verdict malicious)"
        ) && description.contains("S1, S2"),
        "{description}"
    );
}

#[test]
fn two_exports_agree_on_every_id_they_share() {
    let iocs = sample();
    let mut reversed = refs(&iocs);
    reversed.reverse();
    let a = stix_at(&refs(&iocs), NOW, 0);
    let b = stix_at(&reversed, "2027-01-01T00:00:00.000Z", 100);
    let by_id = |bundle: &Value| {
        objects(bundle)
            .iter()
            .map(|o| (o["id"].as_str().unwrap().to_string(), o.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    let (a_ids, b_ids) = (by_id(&a), by_id(&b));
    let shared: Vec<&String> = a_ids.keys().filter(|id| b_ids.contains_key(*id)).collect();
    assert_eq!(shared.len(), 3 + 5, "identities, extension and observables");
    for id in shared {
        assert_eq!(a_ids[id], b_ids[id], "{id} differs between exports");
    }
    for indicator in of_type(&a, "indicator") {
        let id = indicator["id"].as_str().unwrap();
        assert!(!b_ids.contains_key(id), "{id}: each export asserts anew");
    }
    assert_ne!(a["id"], b["id"]);
}

#[test]
fn patterns_for_ports_paths_macs_and_mail() {
    let form = |t: &str, v: &str| observable(t, v).map(|o| o.pattern);
    assert_eq!(
        form("network.port", "443").unwrap(),
        "[network-traffic:dst_port = 443 OR network-traffic:src_port = 443]"
    );
    for bad in ["0", "-1", "65536", "http"] {
        assert_eq!(form("network.port", bad), None, "{bad}");
    }
    assert_eq!(
        form("network.dynamic.uri_path", "/a'b").unwrap(),
        r"[network-traffic:extensions.'http-request-ext'.request_value = '/a\'b']"
    );
    assert_eq!(
        form("network.email.subject", r"Invoice \ due").unwrap(),
        r"[email-message:subject = 'Invoice \\ due']"
    );
    assert_eq!(
        form("network.email.msg_id", "<1@x>").unwrap(),
        "[email-message:message_id = '<1@x>']"
    );
    let mac = observable("network.mac_address", "00-1A-2B-3C-4D-5E").unwrap();
    assert_eq!(
        mac.object,
        Some(("mac-addr", "00:1a:2b:3c:4d:5e".to_string()))
    );
    assert_eq!(mac.pattern, "[mac-addr:value = '00:1a:2b:3c:4d:5e']");
    assert_eq!(observable("network.mac_address", "0:1a:2b:3c:4d:5e"), None);
    assert_eq!(
        observable("network.tls.sni", "a.example").unwrap().object,
        Some(("domain-name", "a.example".to_string()))
    );
    assert_eq!(observable("network.static.ip", "not an ip"), None);
    let url = |v: &str| {
        observable("network.static.uri", v)
            .and_then(|o| o.object)
            .map(|o| o.1)
    };
    for (raw, uri) in [
        (
            "http://xss.example/search?q=<script>alert(1)</script>",
            "http://xss.example/search?q=%3Cscript%3Ealert(1)%3C/script%3E",
        ),
        (
            "http://b\u{fc}cher.example/\u{fc}/a b",
            "http://b%C3%BCcher.example/%C3%BC/a%20b",
        ),
        ("http://x/r\u{202e}fdp.exe", "http://x/r%E2%80%AEfdp.exe"),
        (
            "http://[::1]:80/a[b]?q=%20%zz#f#g",
            "http://[::1]:80/a%5Bb%5D?q=%20%25zz#f%23g",
        ),
        ("HTTPS://x/a|b\"c", "HTTPS://x/a%7Cb%22c"),
    ] {
        assert_eq!(url(raw).as_deref(), Some(uri), "{raw:?}");
    }
    assert_eq!(url("evil.com/x"), None, "no scheme");
    assert_eq!(url("1http://x/"), None);
    for left_out in [
        "network.tls.ja3_hash",
        "network.tls.ja4_hash",
        "network.static.unc_path",
        "network.protocol",
        "network.email.date",
        "file.string.api",
    ] {
        assert_eq!(observable(left_out, "x"), None, "{left_out}");
    }
}
