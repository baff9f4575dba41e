//! Network IoCs, end to end: the JSON the page exports equals, type by type and value by
//! value, what the seed exercise's algorithm yields over the same server answers — for the
//! summary and for the ontology. Hostile values stay text; bad, unknown and partial
//! submissions each get their own line; a deep link prefills the form and never holds a key.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use al_e2e::mock_al::{self, Config, Dataset};
use al_e2e::{user, Harness};
use fantoccini::Locator;
use serde_json::{json, Value};

type Collected = BTreeMap<String, BTreeSet<String>>;

/// A tag value as text: the seed scripts keep numbers (ports) as numbers; the page writes
/// every value as a string.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn add_network(
    out: &mut Collected,
    tags: &serde_json::Map<String, Value>,
    value_of: fn(&Value) -> &Value,
) {
    for (tag_name, values) in tags {
        if tag_name.starts_with("network") {
            let slot = out.entry(tag_name.clone()).or_default();
            for v in values.as_array().unwrap() {
                slot.insert(text(value_of(v)));
            }
        }
    }
}

/// Exercise 1, options 1a/1b: `summary['tags']['ioc']`, names starting with `network`, each
/// tuple's value.
fn seed_summary(data: &Dataset, sids: &[&str]) -> Collected {
    let mut out = Collected::new();
    for sid in sids {
        let summary = data.summary_json(sid).unwrap();
        add_network(&mut out, summary["tags"]["ioc"].as_object().unwrap(), |v| {
            &v[0]
        });
    }
    out
}

/// Exercise 1, options 2a/2b: every NDJSON record's `results.tags`, names starting with
/// `network`.
fn seed_ontology(data: &Dataset, sids: &[&str]) -> Collected {
    let mut out = Collected::new();
    for sid in sids {
        for line in data
            .ontology_ndjson(sid)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let record: Value = serde_json::from_str(line).unwrap();
            add_network(
                &mut out,
                record["results"]["tags"].as_object().unwrap(),
                |v| v,
            );
        }
    }
    out
}

/// The exported `{type: [values]}`, each list free of repeats.
fn exported(path: &Path) -> Collected {
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = Collected::new();
    for (tag_type, values) in json.as_object().expect("a JSON object") {
        let values = values.as_array().expect("a list per type");
        let set: BTreeSet<String> = values
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(set.len(), values.len(), "{tag_type} repeats a value");
        out.insert(tag_type.clone(), set);
    }
    out
}

async fn connect_and_open_iocs(s: &Harness) {
    s.sign_in("analyst", "Network IoCs").await;
}

async fn read_copied(s: &Harness) -> String {
    let text = s
        .browser
        .execute("return window.copied", vec![])
        .await
        .unwrap();
    text.as_str().expect("something was copied").to_string()
}

/// Waits until the address satisfies `ok`: a run writes its deep link back when it ends.
async fn wait_url(s: &Harness, what: &str, ok: impl Fn(&str) -> bool) -> String {
    for _ in 0..300 {
        let url = s.browser.current_url().await.unwrap().to_string();
        if ok(&url) {
            return url;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the address never got {what}");
}

#[tokio::test]
async fn exported_json_equals_the_seed_algorithm_for_summary_and_ontology() {
    let s = Harness::start(Config::default()).await;
    let data = s.server.dataset();
    let sids: Vec<&str> = ["invoice", "unicode", "xss", "dropper"]
        .iter()
        .map(|label| data.sample_sid(label).unwrap())
        .collect();
    s.open().await;
    connect_and_open_iocs(&s).await;
    let typed = format!(
        "{}, {}\n{} {}\nbad sid!\nNoSuchSubmission42",
        sids[0], sids[1], sids[2], sids[3]
    );
    s.fill("Submission IDs", &typed).await;
    s.click_button("Show IoCs").await;
    let progress = s.wait_text(".run-progress", "Loaded").await;
    // "bad" is well-formed and unknown; "sid!" and nothing else is malformed.
    assert!(
        progress.contains("Loaded 4 of 6 submissions; 2 failed"),
        "{progress}"
    );
    // Every submission and source file shown leads back to Assemblyline.
    let (files, subs) = s.links_back("#panel-iocs").await;
    assert!(
        files > 0 && subs > 0,
        "{files} file and {subs} submission links"
    );
    // Each value pivots to Assemblyline's result search for exactly that tag.
    let pivots = s
        .each_ioc_group(
            "const row = g.querySelector('tbody tr:not(.spacer)');\
             return [g.getAttribute('aria-label'), row.querySelector('td.value').textContent,\
                     row.querySelector('a.pivot').href];",
        )
        .await;
    let origin = s.server.url().trim_end_matches('/').to_string();
    assert!(!pivots.is_empty());
    for p in &pivots {
        let (tag_type, value, href) = (
            p[0].as_str().unwrap(),
            p[1].as_str().unwrap(),
            p[2].as_str().unwrap(),
        );
        assert!(
            href.starts_with(&format!("{origin}/search/result?query=")),
            "{p}"
        );
        let url = url::Url::parse(href).unwrap();
        let (_, query) = url.query_pairs().find(|(k, _)| k == "query").unwrap();
        let quoted = value.replace('\\', "\\\\").replace('"', "\\\"");
        assert_eq!(
            query,
            format!("result.sections.tags.{tag_type}:\"{quoted}\""),
            "{p}"
        );
    }
    let notes = s
        .wait_text(".ioc-results .notes", "NoSuchSubmission42")
        .await;
    assert!(notes.contains("\"sid!\" is not a submission ID"), "{notes}");
    assert!(
        notes.contains("Submission NoSuchSubmission42: not found"),
        "{notes}"
    );
    assert!(notes.contains("Submission bad: not found"), "{notes}");

    // A hostile value is shown as text and runs nothing.
    let shown = s
        .each_ioc_group(&format!(
            "return [...g.querySelectorAll('td.value')].some(td => td.textContent === {});",
            json!(mock_al::XSS_URI)
        ))
        .await;
    assert!(
        shown.contains(&Value::Bool(true)),
        "the hostile value is shown: {shown:?}"
    );
    let scripts = s
        .browser
        .execute(
            "return document.querySelectorAll('main script').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(scripts, Value::from(0));

    // Copies: defanged by default, raw once Defang is off; one value per line.
    s.browser
        .execute(
            "navigator.clipboard.writeText = t => { window.copied = t; return Promise.resolve(); }",
            vec![],
        )
        .await
        .unwrap();
    s.click_button("Copy all").await;
    s.wait_text(".ioc-results", "Copied").await;
    let copied = read_copied(&s).await;
    assert!(
        copied.contains("hxxp[://]xss[.]example/search?q=<script>"),
        "{copied}"
    );
    assert!(copied.contains("# network.static.uri\n"), "{copied}");
    s.field("Defang").await.click().await.unwrap();
    s.click_button("Copy network.static.uri").await;
    s.wait_text(".ioc-results", "(raw)").await;
    let copied = read_copied(&s).await;
    assert!(copied.lines().any(|l| l == mock_al::XSS_URI), "{copied}");
    assert!(
        !copied.lines().any(|l| l.starts_with("# ")),
        "one type, no headers: {copied}"
    );
    assert!(!copied.contains("[.]"), "{copied}");

    s.click_button("Export JSON").await;
    let file = s.wait_download(".json").await;
    let expected = seed_summary(data, &sids);
    assert!(expected.len() >= 4 && expected.contains_key("network.static.uri"));
    assert_eq!(exported(&file), expected);
    std::fs::remove_file(&file).unwrap();

    // The same submissions from the ontology.
    s.field("Source")
        .await
        .select_by_value("ontology")
        .await
        .unwrap();
    s.click_button("Show IoCs").await;
    let url = wait_url(&s, "source=ontology", |u| u.contains("source=ontology")).await;
    assert!(url.contains(&format!("#sids={},", sids[0])), "{url}");
    assert!(
        !url.contains("key") && !url.contains(user("analyst").apikey),
        "{url}"
    );
    s.wait_text(".run-progress", "Loaded 4 of 6").await;
    s.click_button("Export JSON").await;
    let file = s.wait_download(".json").await;
    let from_ontology = exported(&file);
    assert_eq!(from_ontology, seed_ontology(data, &sids));
    assert!(
        from_ontology.contains_key("network.port"),
        "the ontology adds ports"
    );
    s.finish().await;
}

#[tokio::test]
async fn deep_link_prefills_and_a_partial_submission_is_flagged() {
    let s = Harness::start(Config::default()).await;
    let data = s.server.dataset();
    let partial = data.sample_sid("partial").unwrap();
    let invoice = data.sample_sid("invoice").unwrap();
    let link = format!(
        "{}#sids={partial},{invoice}&source=ontology&key=analyst%3Asecret&x=1",
        s.server.url()
    );
    s.browser.goto(&link).await.unwrap();
    s.open_tab("Network IoCs").await;
    s.wait_text("main", "Connect first").await;
    let prefilled = s
        .field("Submission IDs")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(prefilled, format!("{partial}\n{invoice}"));
    let source = s.field("Source").await.prop("value").await.unwrap();
    assert_eq!(source.as_deref(), Some("ontology"));

    s.open_tab("Server").await;
    connect_and_open_iocs(&s).await;
    s.click_button("Show IoCs").await;
    let notes = s
        .wait_text(".ioc-results .notes", "still being analysed")
        .await;
    assert!(
        notes.contains(&format!("Submission {partial}: still being analysed.")),
        "{notes}"
    );
    assert!(
        !notes.contains(invoice),
        "only the partial one is flagged: {notes}"
    );
    s.wait_text(".run-progress", "Loaded 2 of 2 submissions.")
        .await;
    // Written back without the parameters it does not know, the key least of all.
    let url = wait_url(&s, "the run's link", |u| !u.contains("x=1")).await;
    assert!(
        url.ends_with(&format!("#sids={partial},{invoice}&source=ontology")),
        "{url}"
    );
    s.finish().await;
}

/// Runs one submission's summary on a page that is already open.
async fn show_one(s: &Harness, label: &str) {
    let sid = s.server.dataset().sample_sid(label).unwrap().to_string();
    connect_and_open_iocs(s).await;
    s.fill("Submission IDs", &sid).await;
    s.click_button("Show IoCs").await;
    s.wait_text(".run-progress", "Loaded 1 of 1").await;
}

/// The public suffix list is not in the page's code: the page fetches it from next to itself
/// once it is up. A server without the file still gets every IoC, and the view says in words
/// how they are ordered instead.
#[tokio::test]
async fn suffix_list_is_fetched_after_start_and_its_absence_is_said() {
    let s = Harness::start(Config::default()).await;
    s.open().await;
    show_one(&s, "invoice").await;
    let fetched = s
        .js("return performance.getEntriesByType('resource').map(e => e.name)")
        .await;
    let fetched: Vec<String> = serde_json::from_value(fetched).unwrap();
    assert!(
        fetched
            .iter()
            .any(|u| u.ends_with("/public_suffix_list.dat")),
        "{fetched:?}"
    );
    let orders = s
        .js("return document.querySelectorAll('.notes .order').length")
        .await;
    assert_eq!(orders, Value::from(0), "no note when the list is there");
    s.finish().await;

    // The same page, served from a folder without the list.
    let folder = std::env::temp_dir().join(format!("al-e2e-no-suffixes-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    for entry in std::fs::read_dir(al_e2e::dist_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() && !path.ends_with("public_suffix_list.dat") {
            std::fs::copy(&path, folder.join(path.file_name().unwrap())).unwrap();
        }
    }
    let s = Harness::start_with(Config {
        dist: Some(folder.clone()),
        ..Config::default()
    })
    .await;
    s.open().await;
    show_one(&s, "invoice").await;
    let note = s.wait_text(".notes .order", "could not be loaded").await;
    assert!(note.contains("HTTP status 404"), "{note}");
    assert!(
        note.contains("sorted by their labels from the right"),
        "{note}"
    );
    s.wait_for(Locator::Css("td.value")).await;
    s.finish().await;
    let _ = std::fs::remove_dir_all(folder);
}

/// The sids of the mock's `ioc_submissions`, as the query `IOC_MANY_QUERY` finds them.
fn many_sids(data: &Dataset) -> Vec<String> {
    data.sids()
        .into_iter()
        .filter(|sid| {
            data.submission_json(sid)
                .is_some_and(|s| s["metadata"]["bench"] == "iocs-many")
        })
        .collect()
}

/// Two thousand submissions through a query: the default cap loads a thousand and says how
/// many matched; Load the rest adds the others; Export JSON then equals the seed algorithm
/// over all of them, for the summary and (streamed) for the ontology.
#[tokio::test]
async fn two_thousand_submissions_load_completely_and_export_the_seed_result() {
    let s = Harness::start(Config {
        ioc_submissions: Some(2000),
        ..Config::default()
    })
    .await;
    let data = s.server.dataset();
    let sids = many_sids(data);
    assert_eq!(sids.len(), 2000);
    let sids: Vec<&str> = sids.iter().map(String::as_str).collect();
    s.open().await;
    connect_and_open_iocs(&s).await;
    s.fill("Query", mock_al::IOC_MANY_QUERY).await;
    s.click_button("Show IoCs").await;
    let progress = s
        .wait_text(".run-progress", "Loaded 1000 of 1000 submissions")
        .await;
    assert!(
        progress.contains("stopped at Max submissions (1000) of 2000 matching"),
        "{progress}"
    );
    s.click_button("Load the rest").await;
    let progress = s
        .wait_text(".run-progress", "Loaded 2000 of 2000 submissions.")
        .await;
    assert!(!progress.contains("failed"), "{progress}");
    s.click_button("Export JSON").await;
    let file = s.wait_download(".json").await;
    let expected = seed_summary(data, &sids);
    let values: usize = expected.values().map(BTreeSet::len).sum();
    assert!(values > 20_000, "{values} values");
    assert_eq!(exported(&file), expected);

    // Every value is reachable: the largest group, scrolled to its end, draws the last value
    // the export lists for it; the rows' heights are set without breaking the CSP.
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let last = json["network.dynamic.domain"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    std::fs::remove_file(&file).unwrap();
    s.js("window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective));").await;
    let group = "[...document.querySelectorAll('.group')].find(g => g.getAttribute('aria-label') === 'network.dynamic.domain')";
    let rows = format!("{group}.querySelector('.rows')");
    s.js(&format!(
        "{group}.scrollIntoView(); const r = {rows}; r.scrollTop = r.scrollHeight;"
    ))
    .await;
    let mut drawn = Value::Null;
    for _ in 0..100 {
        drawn = s
            .js(&format!("const v = {rows}.querySelectorAll('td.value'); return v.length ? v[v.length - 1].textContent : null;"))
            .await;
        if drawn == last {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(drawn, last, "the last value after scrolling to the end");
    let drawn_rows = s
        .js(&format!(
            "return {rows}.querySelectorAll('td.value').length"
        ))
        .await;
    assert!(
        drawn_rows.as_u64().unwrap() < 100,
        "only the rows in view are drawn: {drawn_rows}"
    );
    // A group a screen or more from the viewport draws no rows, only the space they take: a
    // filter then redraws what the analyst can see (the group above drew its rows when it was
    // scrolled to).
    s.js("window.scrollTo(0, 0)").await;
    let far_rows = "const h = innerHeight;\
        return [...document.querySelectorAll('#panel-iocs section.group')]\
          .filter(g => { const r = g.getBoundingClientRect(); return r.top > 2.5 * h || r.bottom < -1.5 * h; })\
          .map(g => g.querySelectorAll('tbody tr:not(.spacer)').length);";
    let mut far = Value::Null;
    for _ in 0..50 {
        far = s.js(far_rows).await;
        if far.as_array().unwrap().iter().all(|n| n == 0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    println!(
        "rows drawn by groups far from the screen: {far}; groups' tops: {}",
        s.js("return [...document.querySelectorAll('#panel-iocs section.group')].map(g => g.getBoundingClientRect().top | 0)").await
    );
    assert!(
        !far.as_array().unwrap().is_empty(),
        "the view has groups far from the screen"
    );
    assert!(
        far.as_array().unwrap().iter().all(|n| n == 0),
        "groups far from the screen draw no rows: {far}"
    );
    assert_eq!(s.js("return window.__csp").await, Value::Array(vec![]));

    // The ontology, with the cap raised: one run, records merged as their lines arrive.
    s.fill("Max submissions", "2000").await;
    s.field("Source")
        .await
        .select_by_value("ontology")
        .await
        .unwrap();
    s.click_button("Show IoCs").await;
    // The link is written when the run ends; the status line before it still reads as the
    // summary run's did.
    wait_url(&s, "the ontology run's link", |u| {
        u.contains("source=ontology")
    })
    .await;
    let progress = s
        .wait_text(".run-progress", "Loaded 2000 of 2000 submissions.")
        .await;
    assert!(!progress.contains("Max submissions"), "{progress}");
    s.click_button("Export JSON").await;
    let file = s.wait_download(".json").await;
    assert_eq!(exported(&file), seed_ontology(data, &sids));
    std::fs::remove_file(&file).unwrap();
    s.finish().await;
}
