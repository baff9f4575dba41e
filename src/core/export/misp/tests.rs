use super::*;
use crate::core::export::tests::{ioc, read_csv, refs, sample};

#[test]
fn misp_csv_types_comment_and_to_ids_without_the_spreadsheet_guard() {
    let iocs = sample();
    let misp = to_misp_csv(&refs(&iocs));
    let (header, rows) = read_csv(&misp.text);
    assert_eq!(header, MISP_HEADER);
    let got: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("Network activity", "ip-dst", "10.0.0.1", "1"),
            ("Network activity", "ip-dst", "2001:db8::1", "0"),
            ("Network activity", "domain", "evil.co.uk", "1"),
            (
                "Network activity",
                "url",
                "http://evil.co.uk/it's\\here",
                "0"
            ),
            ("Network activity", "email", "bob@evil.co.uk", "1"),
            (
                "Network activity",
                "user-agent",
                "=HYPERLINK(\"http://x\")",
                "0"
            ),
        ],
        "ja3s has no MISP type; port -1 is refused; safelisted never goes to IDS; no ' guard"
    );
    assert_eq!(rows[0][3], "AL sid=S1,S2 verdict=malicious");
    assert_eq!(rows[3][3], "AL sid=S2 verdict=malicious safelisted");
    assert_eq!(
        misp.left_out,
        [LeftOut {
            tag_type: "network.port".into(),
            value: "-1".into(),
            reason: "not a port number from 1 to 65535",
        }]
    );
}

#[test]
fn a_value_starting_with_a_hash_is_not_first_in_its_row() {
    let one = [ioc(
        "network.email.subject",
        "#1 offer, today",
        Verdict::Info,
        false,
        &[("S", "")],
    )];
    let misp = to_misp_csv(&refs(&one));
    assert!(misp.left_out.is_empty());
    assert_eq!(misp.rows, 1);
    let second = misp.text.lines().nth(1).unwrap();
    assert!(second.starts_with("Network activity,"), "{second}");
    assert_eq!(read_csv(&misp.text).1[0][2], "#1 offer, today");
}

#[test]
fn values_misp_would_refuse_or_change() {
    for (kind, value, refused) in [
        ("ip-dst", "10.0.0.1", false),
        ("ip-dst", "2001:db8::dead:beef", false),
        ("ip-dst", "10.0.0.0/8", false),
        ("ip-dst", "10.0.0.0/33", true),
        ("ip-dst", "10.0.0", true),
        ("ip-dst", "10[.]0.0.1", true),
        ("domain", "Evil.CO.uk.", false),
        ("domain", "bücher.example", false),
        ("domain", "localhost", true),
        ("domain", "a.b-", false),
        ("domain", "a.b/c", true),
        ("domain", "evil[.]com", true),
        ("email", "Bob@Evil.co.uk", false),
        ("email", "-user@x.org", false),
        ("email", "bob@localhost", true),
        ("email", "bo b@x.org", true),
        ("email", "bob[at]x.org", true),
        ("port", "443", false),
        ("port", "0", true),
        ("port", "65536", true),
        ("port", "+80", true),
        ("mac-address", "00-1A-2B-3C-4D-5E", false),
        ("mac-address", "00:1a:2b:3c:4d:5e:6f", true),
        (
            "ja3-fingerprint-md5",
            "0123456789abcdef0123456789ABCDEF",
            false,
        ),
        ("ja3-fingerprint-md5", "0123", true),
        ("url", "hxxp://evil.com/", true),
        ("url", "http://evil.com/a b", false),
        ("user-agent", "Mozilla/5.0\r\nX: y", true),
        ("user-agent", " padded", true),
        ("email-subject", "Hi 😀", true),
        ("email-subject", "", true),
        ("uri", "#fragment", false),
    ] {
        assert_eq!(
            misp_refusal(kind, value).is_some(),
            refused,
            "{kind} {value:?}: {:?}",
            misp_refusal(kind, value)
        );
    }
}

#[test]
fn misp_types_of_tag_types() {
    for (tag_type, want) in [
        ("network.dynamic.uri_path", Some("uri")),
        ("network.tls.sni", Some("domain")),
        ("network.tls.ja3_hash", Some("ja3-fingerprint-md5")),
        ("network.email.subject", Some("email-subject")),
        ("network.tls.ja4_hash", None),
        ("network.protocol", None),
        ("file.string.api", None),
    ] {
        assert_eq!(misp_type(tag_type), want, "{tag_type}");
    }
}
