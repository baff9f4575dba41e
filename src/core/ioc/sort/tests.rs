//! Display order inside one tag type.

use serde_json::{json, Value};

use crate::core::ioc::tests::{summary, values};
use crate::core::ioc::{bundled_suffixes, Filter, IocSet};

/// A set holding `vals` under one type, all info, with the shipped public suffix list.
fn one_type(tag_type: &str, vals: &[&str]) -> IocSet {
    one_type_with(
        tag_type,
        vals,
        IocSet::with_suffixes(Some(bundled_suffixes())),
    )
}

fn one_type_with(tag_type: &str, vals: &[&str], mut set: IocSet) -> IocSet {
    let tags: Vec<Value> = vals.iter().map(|v| json!([v, "info", false, ""])).collect();
    set.add_summary("S", &summary(json!({"tags": {"ioc": {tag_type: tags}}})));
    set
}

fn sorted(tag_type: &str, vals: &[&str]) -> Vec<String> {
    let set = one_type(tag_type, vals);
    let groups = set.groups(&Filter::default());
    groups[0].iocs.iter().map(|i| i.value.clone()).collect()
}

#[test]
fn ips_sort_numerically_v4_then_v6_then_unparsable() {
    let got = sorted(
        "network.static.ip",
        &[
            "10.0.0.1",
            "2001:db8::1",
            "not-an-ip",
            "9.255.255.255",
            "::1",
            "1.2.3.4:80",
            "192.168.0.1",
            "9.9.9.10",
        ],
    );
    assert_eq!(
        got,
        [
            "9.9.9.10",
            "9.255.255.255",
            "10.0.0.1",
            "192.168.0.1",
            "::1",
            "2001:db8::1",
            "1.2.3.4:80",
            "not-an-ip"
        ]
    );
}

#[test]
fn worst_verdict_first_and_safelisted_last() {
    let mut set = IocSet::new();
    let raw = json!({"tags": {"ioc": {"network.static.ip": [
        ["1.1.1.1", "info"], ["2.2.2.2", "malicious", true], ["3.3.3.3", "suspicious"], ["4.4.4.4", "malicious"]
    ]}}});
    set.add_summary("S", &summary(raw));
    let all = set.visible(&Filter {
        hide_safelisted: false,
        ..Filter::default()
    });
    assert_eq!(values(all), ["4.4.4.4", "3.3.3.3", "1.1.1.1", "2.2.2.2"]);
}

#[test]
fn domains_group_by_registrable_domain_then_labels_right_to_left() {
    let got = sorted(
        "network.static.domain",
        &[
            "mail.zeta.com",
            "www.example.co.uk",
            "zeta.com",
            "a.b.example.co.uk",
            "example.co.uk",
            "other.co.uk",
            "shop.bücher.example",
            "co.uk",
            "bücher.example",
            "localhost",
        ],
    );
    let want = [
        "bücher.example",
        "shop.bücher.example",
        "co.uk",
        "example.co.uk",
        "a.b.example.co.uk",
        "www.example.co.uk",
        "localhost",
        "other.co.uk",
        "zeta.com",
        "mail.zeta.com",
    ];
    assert_eq!(got, want);
}

#[test]
fn registrable_domains_follow_the_public_suffix_list() {
    for (host, want) in [
        ("www.example.co.uk", Some("example.co.uk")),
        ("example.co.uk", Some("example.co.uk")),
        ("co.uk", None),
        // Private suffixes count, as in the psl crate: two sites, not one.
        ("evil.github.io", Some("evil.github.io")),
        ("a.b.evil.github.io", Some("evil.github.io")),
        // Wildcard and exception rules (*.ck, !www.ck).
        ("a.b.example.ck", Some("b.example.ck")),
        ("www.ck", Some("www.ck")),
        // Unknown top-level domains fall back to the implicit "*" rule.
        ("host.corp.internal", Some("corp.internal")),
        ("shop.bücher.example", Some("bücher.example")),
        ("пример.рф", Some("пример.рф")),
        ("localhost", None),
    ] {
        assert_eq!(bundled_suffixes().registrable(host), want, "{host}");
    }
}

#[test]
fn uris_group_by_host_registrable_domain_then_text() {
    let got = sorted(
        "network.static.uri",
        &[
            "https://b.example.com/x",
            "not a uri",
            "http://a.example.com/y",
            "http://xn--bcher-kva.example/p",
            "http://evil.co.uk/",
            "mailto:x@y.z",
            "http://[2001:db8::1]/",
            "http://shop.bücher.example/q",
            "http://1.2.3.4/a",
        ],
    );
    let want = [
        "http://1.2.3.4/a",
        "http://[2001:db8::1]/",
        // Punycode and Unicode spellings of one registrable domain share a group.
        "http://shop.bücher.example/q",
        "http://xn--bcher-kva.example/p",
        "http://evil.co.uk/",
        "http://a.example.com/y",
        "https://b.example.com/x",
        "mailto:x@y.z",
        "not a uri",
    ];
    assert_eq!(got, want);
}

#[test]
fn emails_sort_by_domain_then_local_part_and_ports_numerically() {
    let got = sorted(
        "network.email.address",
        &[
            "x@mail.evil.com",
            "bob@evil.com",
            "broken",
            "z@aaa.org",
            "alice@evil.com",
        ],
    );
    assert_eq!(
        got,
        [
            "z@aaa.org",
            "alice@evil.com",
            "bob@evil.com",
            "x@mail.evil.com",
            "broken"
        ]
    );
    assert_eq!(
        sorted("network.port", &["8080", "443", "x", "80"]),
        ["80", "443", "8080", "x"]
    );
    assert_eq!(
        sorted("network.user_agent", &["b", "a", "C"]),
        ["C", "a", "b"]
    );
}

#[test]
fn without_the_suffix_list_hosts_sort_by_labels_right_to_left() {
    let domains = [
        "mail.zeta.com",
        "www.example.co.uk",
        "zeta.com",
        "example.co.uk",
        "localhost",
        "1.2.3.4",
    ];
    let set = one_type_with("network.static.domain", &domains, IocSet::new());
    let got = values(set.visible(&Filter::default()));
    let want = [
        "1.2.3.4",
        "zeta.com",
        "mail.zeta.com",
        "localhost",
        "example.co.uk",
        "www.example.co.uk",
    ];
    assert_eq!(got, want);
    let uris = [
        "http://b.zeta.com/",
        "http://example.co.uk/",
        "http://a.zeta.com/",
    ];
    let set = one_type_with("network.static.uri", &uris, IocSet::new());
    let got = values(set.visible(&Filter::default()));
    assert_eq!(
        got,
        [
            "http://a.zeta.com/",
            "http://b.zeta.com/",
            "http://example.co.uk/"
        ]
    );
}
