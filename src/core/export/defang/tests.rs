use super::{defang, starts_with_ignore_case};

#[test]
fn defang_table() {
    let cases = [
        (
            "network.static.uri",
            "https://evil.example.com/a.php?u=http://b.c",
            "hxxps[://]evil[.]example[.]com/a[.]php?u=hxxp[://]b[.]c",
        ),
        (
            "network.dynamic.uri",
            "HTTP://Evil.com/Http",
            "HXXP[://]Evil[.]com/Hxxp",
        ),
        ("network.static.uri", "ftp://x.y/", "ftp[://]x[.]y/"),
        ("network.static.domain", "evil.co.uk", "evil[.]co[.]uk"),
        ("network.tls.sni", "cdn.evil.com", "cdn[.]evil[.]com"),
        ("network.static.ip", "1.2.3.4", "1[.]2[.]3[.]4"),
        ("network.dynamic.ip", "2001:db8::1", "2001[:]db8[:][:]1"),
        (
            "network.email.address",
            "bob.x@evil.com",
            "bob[.]x[@]evil[.]com",
        ),
        (
            "network.static.unc_path",
            r"\\evil.com\share",
            r"\\evil[.]com\share",
        ),
        ("network.port", "443", "443"),
        ("network.user_agent", "Mozilla/5.0", "Mozilla/5.0"),
    ];
    for (tag_type, value, want) in cases {
        assert_eq!(defang(tag_type, value), want, "{tag_type} {value}");
    }
}

/// Tokens people and tools use, longest first where one is a prefix of another.
const TOKENS: [(&str, &str); 12] = [
    ("[://]", "://"),
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("[dot]", "."),
    ("(dot)", "."),
    ("\\.", "."),
    ("[:]", ":"),
    ("[@]", "@"),
    ("[at]", "@"),
    ("(at)", "@"),
    ("{at}", "@"),
];

/// The test's oracle: undoes every common defang style in one left-to-right pass, so text produced by one token
/// is never read again as part of another. Tokens match ASCII case-insensitively (`[DOT]`).
fn refang(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'scan: while i < text.len() {
        let rest = &text[i..];
        for (token, plain) in TOKENS {
            if starts_with_ignore_case(rest, token) {
                out.push_str(plain);
                i += token.len();
                continue 'scan;
            }
        }
        if starts_with_ignore_case(rest, "hxxp") {
            let [h, x1, x2, p] = [bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]];
            // After a lowercase `h` the x's case is decoration (`hXXp` means `http`); after
            // `H` it is the t's case, which is how defang wrote `HTTP` and `Http`.
            let t = |x: u8| if h == b'H' && x == b'X' { 'T' } else { 't' };
            out.extend([h as char, t(x1), t(x2), p as char]);
            i += 4;
            continue;
        }
        let c = rest.chars().next().expect("i is inside the string");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

#[test]
fn refang_accepts_every_common_style() {
    let cases = [
        ("hxxp[://]evil[.]com", "http://evil.com"),
        ("hXXps://a(.)b{.}c[dot]d(DOT)e\\.f", "https://a.b.c.d.e.f"),
        (
            "bob[at]evil[.]com bob[@]x(.)org bob(at)y[.]net",
            "bob@evil.com bob@x.org bob@y.net",
        ),
        ("2001[:]db8[:][:]1", "2001:db8::1"),
        ("HXXP://X Hxxp://Y HxXp://Z", "HTTP://X Http://Y HtTp://Z"),
        ("bücher[.]example", "bücher.example"),
        ("nothing to do here", "nothing to do here"),
        ("hxé hx", "hxé hx"),
    ];
    for (text, want) in cases {
        assert_eq!(refang(text), want, "{text}");
    }
}

#[test]
fn refang_inverts_defang() {
    let cases = [
        (
            "network.static.uri",
            "https://evil.example.com/a.php?u=http://b.c&v=1",
        ),
        ("network.static.uri", "HtTpS://Evil.com/HTTPHandler.ashx"),
        (
            "network.static.uri",
            "http://bücher.example/ä?q=a[.]b(.)c{.}d\\.e",
        ),
        ("network.dynamic.uri", "http://[2001:db8::1]:8080/x"),
        ("network.static.domain", "a.b.example.co.uk"),
        ("network.static.ip", "198.51.100.7"),
        ("network.static.ip", "::ffff:1.2.3.4"),
        ("network.email.address", "first.last+tag@mail.evil.com"),
        ("network.static.unc_path", r"\\1.2.3.4\.hidden\x"),
        ("network.tls.sni", "cdn.evil.com"),
        ("network.port", "443"),
    ];
    for (tag_type, value) in cases {
        let defanged = defang(tag_type, value);
        assert_eq!(
            refang(&defanged),
            value,
            "{tag_type} {value} via {defanged}"
        );
        if tag_type != "network.port" {
            assert!(!defanged.replace("[.]", "").contains('.'), "{defanged}");
            assert!(
                !defanged.to_ascii_lowercase().contains("http"),
                "{defanged}"
            );
        }
    }
    // `hXXp` is read as `http`, so this odd casing stays as is; the URL is still dead.
    let odd = "hTTp://x.y/httP";
    assert_eq!(defang("network.static.uri", odd), "hTTp[://]x[.]y/hxxP");
    assert_eq!(refang(&defang("network.static.uri", odd)), odd);
}
