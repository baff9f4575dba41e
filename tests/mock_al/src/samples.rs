//! Hand-made submissions, each covering named hard cases. Independent of the seed.

use std::collections::BTreeMap;

use serde_json::json;

use crate::builder::*;
use crate::content::FileKind::*;
use crate::data::{make_sid, Store, Submission, AMBER, GREEN};

/// 2026-07-01T00:00:00Z; hand-made submissions come after it, generated ones before.
pub const T0: i64 = 1_782_864_000;
const HOUR: i64 = 3600;

pub const SHARED_DOMAIN: &str = "cdn.shared-infra.net";
pub const XSS_URI: &str = "http://xss.example/search?q=<script>alert(1)</script>";
pub const RTL_NAME: &str = "rechnung\u{202E}fdp.exe";
pub const RTL_URI: &str = "http://files.example.org/download/rechnung\u{202E}fdp.exe";
pub const UNICODE_NAME: &str = "фото_отчёт.scr";
pub const IDN_DOMAIN: &str = "bücher.example";
pub const IDN_DOMAIN_2: &str = "пример.испытание";
pub const IPV6: &str = "2001:db8::dead:beef";
pub const IPV6_2: &str = "2001:db8:85a3::8a2e:370:7334";
pub const SAFELISTED_DOMAIN: &str = "update.microsoft.com";

pub fn long_uri() -> String {
    let mut q = String::from("https://tracker.evil-payments.com/collect?session=");
    let mut i = 0u32;
    while q.len() < 4100 {
        q.push_str(&format!("{:08x}", i.wrapping_mul(2_654_435_761)));
        i += 1;
    }
    q
}

pub struct Samples {
    pub submissions: Vec<Submission>,
    /// Notable file name → sha256.
    pub files: BTreeMap<String, String>,
}

pub fn build(store: &mut Store) -> Samples {
    let mut files = BTreeMap::new();
    let shas = add_files(store, &mut files);
    let submissions = vec![
        invoice(&shas),
        dropper(&shas),
        unicode(&shas),
        xss(&shas),
        partial(&shas),
        missing_blob(&shas),
        negative(&shas),
        all_empty(&shas),
        deep(&shas),
        resubmit(&shas),
        almost(&shas),
    ];
    Samples { submissions, files }
}

/// Adds the hand-made files to `store` (the loader's blob then dropped: its download is a
/// 404) and notes each name's sha256 in `files`.
fn add_files(store: &mut Store, files: &mut BTreeMap<String, String>) -> Shas {
    let mut f = |store: &mut Store, name: &str, kind, size, c12n| {
        let sha = store.add_file(name, kind, size, c12n);
        files.insert(name.to_string(), sha.clone());
        sha
    };
    let zip = f(store, "invoice.zip", Zip, 3_912, GREEN);
    let exe = f(store, "invoice.exe", Pe, 183_296, GREEN);
    let readme = f(store, "readme.txt", Text, 740, crate::data::CLEAR);
    let docm = f(store, "dropper.docm", Docm, 48_211, GREEN);
    let vba = f(store, "macro.vba", Vba, 6_020, GREEN);
    let batch = f(store, "batch 2026-07 отчёт.zip", Zip, 96_500, GREEN);
    let scr = f(store, UNICODE_NAME, Pe, 251_904, AMBER);
    let rtl = f(store, RTL_NAME, Pe, 64_512, GREEN);
    let html = f(store, "xss-probe.html", Html, 5_300, AMBER);
    let partial = f(store, "sample-in-progress.exe", Pe, 77_824, GREEN);
    let loader = f(store, "loader.bin", Bin, 131_072, AMBER);
    let stage2 = f(store, "stage2.dll", Dll, 212_480, AMBER);
    let msi = f(
        store,
        "signed_installer.msi",
        Msi,
        310_272,
        crate::data::CLEAR,
    );
    let setup = f(store, "setup.dll", Dll, 40_960, crate::data::CLEAR);
    let helper = f(store, "helper.js", Js, 2_048, crate::data::CLEAR);
    let notes = f(store, "notes.txt", Text, 412, crate::data::CLEAR);
    let nested = f(store, "nested.zip", Zip, 48_128, GREEN);
    let l1 = f(store, "level1.zip", Zip, 24_576, GREEN);
    let big = f(store, "big_payload.bin", Bin, 2_097_152, GREEN);
    let l2 = f(store, "level2.7z", SevenZip, 18_000, GREEN);
    let shared_js = f(store, "shared.js", Js, 9_800, GREEN);
    let l3 = f(store, "level3.exe", Pe, 98_304, AMBER);
    let l4 = f(store, "level4.cfg", Text, 620, AMBER);
    let almost = f(store, "almost.js", Js, 3_333, GREEN);
    store.drop_blob(&loader);
    Shas {
        zip,
        exe,
        readme,
        docm,
        vba,
        batch,
        scr,
        rtl,
        html,
        partial,
        loader,
        stage2,
        msi,
        setup,
        helper,
        notes,
        nested,
        l1,
        big,
        l2,
        shared_js,
        l3,
        l4,
        almost,
    }
}

fn sid(label: &str) -> String {
    make_sid(0, &format!("sample:{label}"))
}

/// The hand-made files' sha256s, one field per file.
#[derive(Clone)]
struct Shas {
    zip: String,
    exe: String,
    readme: String,
    docm: String,
    vba: String,
    batch: String,
    scr: String,
    rtl: String,
    html: String,
    partial: String,
    loader: String,
    stage2: String,
    msi: String,
    setup: String,
    helper: String,
    notes: String,
    nested: String,
    l1: String,
    big: String,
    l2: String,
    shared_js: String,
    l3: String,
    l4: String,
    almost: String,
}

/// invoice: 4000 + 3500 = 7500 from two services; worst verdict of the shared domain within one submission.
fn invoice(shas: &Shas) -> Submission {
    let Shas {
        zip, exe, readme, ..
    } = shas.clone();
    let mut b = SubBuilder::new(
        sid("invoice"),
        "invoice",
        "invoice.zip",
        &zip,
        T0 + 2 * HOUR,
    );
    b.ext(
        &zip,
        EXTRACT,
        vec![sec("Extracted files", None, &[])],
        &[("invoice.exe", &exe), ("readme.txt", &readme)],
    )
    .empty(&zip, CHARACTERIZE)
    .res(
        &exe,
        PE,
        vec![
            sec(
                "Suspicious imports",
                heur_attack(
                    "PE.5",
                    "Suspicious import table",
                    4000,
                    ("T1055", "Process Injection", "defense-evasion"),
                    "pe_injection_imports",
                ),
                &[
                    ("network.static.domain", json!("evil-payments.com")),
                    ("network.static.domain", json!(SHARED_DOMAIN)),
                    ("network.static.ip", json!("198.51.100.23")),
                    (
                        "network.static.uri",
                        json!("http://evil-payments.com/pay/invoice.php"),
                    ),
                    ("network.static.uri_path", json!("/pay/invoice.php")),
                    ("av.virus_name", json!("TROJAN:WIN32/MOCKLOADER.A")),
                ],
            ),
            kv_section("PE header", json!({"machine": "i386", "sections": 5})),
        ],
    )
    .res(
        &exe,
        CAPE,
        vec![
            sec(
                "Network activity",
                heur_attack(
                    "CAPE.22",
                    "C2 communication",
                    3000,
                    ("T1071", "Application Layer Protocol", "command-and-control"),
                    "network_cnc_http",
                ),
                &[
                    ("network.dynamic.ip", json!("203.0.113.77")),
                    ("network.dynamic.domain", json!("c2.evil-payments.com")),
                    (
                        "network.dynamic.uri",
                        json!("http://c2.evil-payments.com/gate.php"),
                    ),
                    ("network.dynamic.uri_path", json!("/gate.php")),
                    ("network.port", json!(443)),
                    ("network.port", json!(8080)),
                    ("network.tls.sni", json!("c2.evil-payments.com")),
                    (
                        "network.user_agent",
                        json!("Mozilla/5.0 (Windows NT 10.0; Win64; x64) MockBot/1.0"),
                    ),
                    ("network.protocol", json!("HTTPS")),
                    ("attribution.family", json!("MOCKLOADER")),
                ],
            ),
            sec(
                "Process behaviour",
                heur("CAPE.7", "Process injection", 500),
                &[("file.behavior", json!("Injects into explorer.exe"))],
            ),
        ],
    )
    .res(
        &readme,
        FRANKEN,
        vec![sec_safelisted(
            "Network IOCs",
            heur("FRANKENSTRINGS.1", "Embedded network indicators", 10),
            &[
                ("network.static.domain", json!(SHARED_DOMAIN)),
                ("network.email.address", json!("billing@evil-payments.com")),
            ],
            &[
                ("network.static.domain", SAFELISTED_DOMAIN),
                ("network.static.uri", "http://update.microsoft.com/"),
            ],
        )],
    );
    b.done()
}

/// dropper: root 5000 + 1999 = 6999 (below), child exactly 3000 + 4000 = 7000; invoice.exe here scores only 4000.
fn dropper(shas: &Shas) -> Submission {
    let Shas { exe, docm, vba, .. } = shas.clone();
    let mut b = SubBuilder::new(
        sid("dropper"),
        "dropper",
        "dropper.docm",
        &docm,
        T0 + 5 * HOUR,
    );
    b.ext(
        &docm,
        OLETOOLS,
        vec![
            sec(
                "Macro detected",
                heur("OLETOOLS.2", "VBA macro", 5000),
                &[(
                    "network.static.uri",
                    json!(format!("https://{SHARED_DOMAIN}/assets/app.js")),
                )],
            ),
            sec(
                "Auto-exec",
                heur("OLETOOLS.7", "Auto-executing macro", 1999),
                &[],
            ),
        ],
        &[("macro.vba", &vba)],
    )
    .ext(
        &docm,
        EXTRACT,
        vec![sec("Embedded objects", None, &[])],
        &[("invoice.exe", &exe)],
    )
    .res(
        &vba,
        FRANKEN,
        vec![sec(
            "Download cradle",
            heur("FRANKENSTRINGS.3", "Download cradle", 3000),
            &[
                ("network.static.ip", json!("198.51.100.23")),
                ("network.static.domain", json!("dl.evil-payments.com")),
            ],
        )],
    )
    .res(
        &vba,
        YARA,
        vec![sec(
            "YARA match",
            heur("YARA.1", "Malware family rule", 4000),
            &[("attribution.implant", json!("MOCKDROPPER"))],
        )],
    )
    .res(
        &exe,
        PE,
        vec![sec(
            "Suspicious imports",
            heur("PE.5", "Suspicious import table", 4000),
            &[("network.static.domain", json!("evil-payments.com"))],
        )],
    )
    .meta("source", "mail-gateway")
    .meta("original_source", "smtp://mx1.example.org");
    b.done()
}

/// unicode: IDN domains, IPv6, a Unicode root and child name, an RTL override in a name and a URI.
fn unicode(shas: &Shas) -> Submission {
    let Shas {
        batch, scr, rtl, ..
    } = shas.clone();
    let mut b = SubBuilder::new(
        sid("unicode"),
        "unicode",
        "batch 2026-07 отчёт.zip",
        &batch,
        T0 + 9 * HOUR,
    );
    b.sub.classification = GREEN;
    b.ext(
        &batch,
        EXTRACT,
        vec![sec("Extracted files", None, &[])],
        &[(UNICODE_NAME, &scr), (RTL_NAME, &rtl)],
    )
    .res(
        &scr,
        CAPE,
        vec![sec(
            "Network activity",
            heur("CAPE.22", "C2 communication", 6000),
            &[
                ("network.dynamic.domain", json!(IDN_DOMAIN)),
                ("network.dynamic.ip", json!(IPV6)),
                (
                    "network.dynamic.uri",
                    json!("http://xn--bcher-kva.example/ü/pfad?q=1"),
                ),
                ("network.port", json!(8443)),
            ],
        )],
    )
    .res(
        &scr,
        YARA,
        vec![sec(
            "YARA match",
            heur("YARA.4", "Packed binary", 2200),
            &[
                ("network.static.domain", json!(IDN_DOMAIN_2)),
                ("network.static.ip", json!(IPV6_2)),
            ],
        )],
    )
    .res(
        &rtl,
        PE,
        vec![sec(
            "Masquerading name",
            heur("PE.11", "Right-to-left override in name", 1000),
            &[("network.static.uri", json!(RTL_URI))],
        )],
    );
    b.done()
}

/// xss: hostile strings in tag values and a very long URI; low score, AMBER.
fn xss(shas: &Shas) -> Submission {
    let Shas { html, .. } = shas.clone();
    let mut b = SubBuilder::new(sid("xss"), "xss", "xss-probe.html", &html, T0 + 14 * HOUR);
    b.sub.classification = AMBER;
    b.sub.submitter = "analyst".into();
    b.res(
        &html,
        URLCREATOR,
        vec![sec(
            "URLs found",
            heur("URLCREATOR.1", "Suspicious URL", 500),
            &[
                ("network.static.uri", json!(XSS_URI)),
                ("network.static.domain", json!("xss.example")),
            ],
        )],
    )
    .res(
        &html,
        JSJAWS,
        vec![
            sec(
                "Tracking beacons",
                heur("JSJAWS.4", "Obfuscated beacon", 700),
                &[
                    ("network.static.uri", json!(long_uri())),
                    ("network.user_agent", json!("<script>alert(1)</script>")),
                ],
            ),
            sec(
                "Script resources",
                heur("JSJAWS.1", "External script", 0),
                &[("network.static.domain", json!(SHARED_DOMAIN))],
            ),
        ],
    );
    b.done()
}

/// partial: still being analysed (state submitted), yet already >= 7000.
fn partial(shas: &Shas) -> Submission {
    let Shas { partial, .. } = shas.clone();
    let mut b = SubBuilder::new(
        sid("partial"),
        "partial",
        "sample-in-progress.exe",
        &partial,
        T0 + 20 * HOUR,
    );
    b.sub.completed = false;
    b.res(
        &partial,
        PE,
        vec![sec(
            "Suspicious imports",
            heur("PE.5", "Suspicious import table", 5000),
            &[("network.static.ip", json!("198.51.100.99"))],
        )],
    )
    .res(
        &partial,
        YARA,
        vec![sec(
            "YARA match",
            heur("YARA.1", "Malware family rule", 4100),
            &[],
        )],
    );
    b.done()
}

/// missing-blob: the top file (9900) has a record but no blob; its child (7700) downloads; one service error.
fn missing_blob(shas: &Shas) -> Submission {
    let Shas { loader, stage2, .. } = shas.clone();
    let mut b = SubBuilder::new(
        sid("missing-blob"),
        "missing-blob",
        "loader.bin",
        &loader,
        T0 + 26 * HOUR,
    );
    b.sub.classification = AMBER;
    b.ext(
        &loader,
        CAPE,
        vec![sec(
            "Dropped payload",
            heur("CAPE.30", "Drops executable", 5900),
            &[
                ("network.dynamic.ip", json!("203.0.113.8")),
                ("network.dynamic.domain", json!("stage.evil-payments.com")),
            ],
        )],
        &[("stage2.dll", &stage2)],
    )
    .res(
        &loader,
        YARA,
        vec![sec("YARA match", heur("YARA.2", "Loader rule", 4000), &[])],
    )
    .res(
        &stage2,
        PE,
        vec![sec_safelisted(
            "Imports",
            heur("PE.5", "Suspicious import table", 3700),
            &[("network.static.ip", json!("198.51.100.23"))],
            &[("network.static.ip", "192.0.2.53")],
        )],
    )
    .res(
        &stage2,
        YARA,
        vec![sec("YARA match", heur("YARA.2", "Loader rule", 4000), &[])],
    )
    .error(&stage2, CAPE, "Analysis timed out after 600 seconds");
    b.done()
}

/// negative: result scores below zero, a file totalling -700 and max_score 250; safe verdicts.
fn negative(shas: &Shas) -> Submission {
    let Shas {
        msi, setup, helper, ..
    } = shas.clone();
    let mut b = SubBuilder::new(
        sid("negative"),
        "negative",
        "signed_installer.msi",
        &msi,
        T0 + 31 * HOUR,
    );
    b.ext(
        &msi,
        SAFELIST,
        vec![sec(
            "Known good",
            heur("SAFELIST.1", "Signed by trusted publisher", -1000),
            &[
                ("network.static.domain", json!(SAFELISTED_DOMAIN)),
                ("network.static.domain", json!(SHARED_DOMAIN)),
            ],
        )],
        &[("setup.dll", &setup), ("helper.js", &helper)],
    )
    .res(
        &msi,
        YARA,
        vec![sec(
            "YARA match",
            heur("YARA.9", "Installer script", 300),
            &[],
        )],
    )
    .res(
        &setup,
        SAFELIST,
        vec![sec(
            "Known good",
            heur("SAFELIST.2", "Known library", -100),
            &[],
        )],
    )
    .res(
        &helper,
        JSJAWS,
        vec![sec(
            "Network",
            heur("JSJAWS.2", "Network request", 250),
            &[(
                "network.static.uri",
                json!("https://telemetry.example.com/v1/ping"),
            )],
        )],
    );
    b.done()
}

/// all-empty: every result is `.e`; score 0, no IoCs, no ontology lines.
fn all_empty(shas: &Shas) -> Submission {
    let Shas { notes, .. } = shas.clone();
    let mut b = SubBuilder::new(
        sid("all-empty"),
        "all-empty",
        "notes.txt",
        &notes,
        T0 + 36 * HOUR,
    );
    b.empty(&notes, CHARACTERIZE)
        .empty(&notes, FRANKEN)
        .empty(&notes, YARA);
    b.done()
}

/// deep: four levels, a ~2 MB file >= 7000, a file extracted twice (its second parent is truncated).
fn deep(shas: &Shas) -> Submission {
    let Shas {
        nested,
        l1,
        big,
        l2,
        shared_js,
        l3,
        l4,
        ..
    } = shas.clone();
    let mut b = SubBuilder::new(sid("deep"), "deep", "nested.zip", &nested, T0 + 41 * HOUR);
    b.ext(
        &nested,
        EXTRACT,
        vec![sec("Extracted files", None, &[])],
        &[("level1.zip", &l1), ("big_payload.bin", &big)],
    )
    .ext(
        &l1,
        EXTRACT,
        vec![sec("Extracted files", None, &[])],
        &[("level2.7z", &l2), ("shared.js", &shared_js)],
    )
    .ext(
        &l2,
        EXTRACT,
        vec![sec("Extracted files", None, &[])],
        &[("level3.exe", &l3), ("shared.js", &shared_js)],
    )
    .ext(
        &l3,
        CONFIGEX,
        vec![sec(
            "Malware config",
            heur("CONFIGEX.1", "Config extracted", 7300),
            &[
                ("network.static.domain", json!("deep.evil-payments.com")),
                ("network.static.ip", json!("203.0.113.200")),
                ("attribution.family", json!("MOCKLOADER")),
            ],
        )],
        &[("level4.cfg", &l4)],
    )
    .res(
        &l4,
        FRANKEN,
        vec![sec(
            "Strings",
            heur("FRANKENSTRINGS.1", "Embedded network indicators", 50),
            &[(
                "network.static.uri",
                json!("http://deep.evil-payments.com/cfg"),
            )],
        )],
    )
    .res(
        &big,
        YARA,
        vec![sec(
            "YARA match",
            heur("YARA.5", "Large payload", 5000),
            &[],
        )],
    )
    .res(
        &big,
        CAPE,
        vec![sec(
            "Network activity",
            heur("CAPE.22", "C2 communication", 3800),
            &[("network.dynamic.ip", json!("203.0.113.77"))],
        )],
    )
    .res(
        &shared_js,
        JSJAWS,
        vec![sec(
            "Obfuscation",
            heur("JSJAWS.3", "Obfuscated script", 6000),
            &[("network.static.domain", json!(SHARED_DOMAIN))],
        )],
    );
    b.done()
}

/// resubmit: the invoice zip again, newer PE only: invoice.exe scores 4000 here.
fn resubmit(shas: &Shas) -> Submission {
    let Shas { zip, exe, .. } = shas.clone();
    let mut b = SubBuilder::new(
        sid("resubmit"),
        "resubmit",
        "invoice.zip",
        &zip,
        T0 + 47 * HOUR,
    );
    b.sub.submitter = "analyst".into();
    b.ext(
        &zip,
        EXTRACT,
        vec![sec("Extracted files", None, &[])],
        &[("invoice.exe", &exe)],
    )
    .res(
        &exe,
        PE_NEW,
        vec![sec(
            "Suspicious imports",
            heur("PE.5", "Suspicious import table", 4000),
            &[
                ("network.static.domain", json!("evil-payments.com")),
                ("network.static.ip", json!("198.51.100.23")),
            ],
        )],
    );
    b.done()
}

/// almost: max_score 6999, just under the threshold.
fn almost(shas: &Shas) -> Submission {
    let Shas { almost, .. } = shas.clone();
    let mut b = SubBuilder::new(
        sid("almost"),
        "almost",
        "almost.js",
        &almost,
        T0 + 52 * HOUR,
    );
    b.res(
        &almost,
        JSJAWS,
        vec![sec(
            "Obfuscation",
            heur("JSJAWS.3", "Obfuscated script", 6000),
            &[],
        )],
    )
    .res(
        &almost,
        YARA,
        vec![sec(
            "YARA match",
            heur("YARA.7", "Suspicious script", 999),
            &[("network.static.domain", json!(SHARED_DOMAIN))],
        )],
    );
    b.done()
}
