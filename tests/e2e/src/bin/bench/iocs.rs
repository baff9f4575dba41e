//! The IoC view at scale: Show IoCs over a query of 1,000 and 5,000 submissions (each with
//! about a dozen network values, the mock's `ioc_submissions`), Summary and Ontology, at 0 and
//! 20 ms per API call. For each: the page's time from the click to "Loaded N of N", the same
//! calls made by a plain client (N at once over loopback, like the page's "Parallel calls"),
//! the latency bound (calls × median call ÷ parallel calls), the longest main-thread task
//! (`PerformanceObserver` "longtask"), the latest a 50 ms timer probe fired, and the JS heap.
//! After the largest run: filtering and exporting its values. Prints figures, asserts nothing.
//!
//! Environment: BENCH_IOCS (1; 0 skips this part), BENCH_IOC_SUBMISSIONS ("1000,5000"),
//! BENCH_IOC_SOURCES ("summary,ontology"), BENCH_IOC_LATENCIES ("0,20", ms per call),
//! BENCH_IOC_PROFILE (a folder: each run's CPU profile is written there and its busiest
//! functions printed; see `cpu_profile.rs`).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use al_e2e::mock_al::{Config, IOC_MANY_QUERY};
use al_e2e::mock_control::{configure, request};
use al_e2e::{user, Harness};
use serde_json::{json, Value};

use super::{respond, set_value, HIDDEN};

/// The page's default "Parallel calls" (`core::retry::DEFAULT_PARALLELISM`).
const PARALLEL: usize = 6;
/// Targets from the issue (figures, not assertions).
const SUMMARY_1000_TARGET_S: f64 = 3.0;
const BOUND_FACTOR: f64 = 1.25;
const PROBE_TARGET_MS: f64 = 250.0;
const FILTER_TARGET_MS: f64 = 100.0;
/// How many times the filter is typed and cleared after the largest load.
const FILTER_REPEATS: usize = 5;

fn list_env<T: std::str::FromStr>(name: &str, default: &str) -> Vec<T> {
    let text = std::env::var(name).unwrap_or_else(|_| default.to_string());
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .unwrap_or_else(|_| panic!("{name}: {s:?} is not a valid value"))
        })
        .collect()
}

pub fn wanted() -> bool {
    std::env::var("BENCH_IOCS").map_or(true, |v| v.trim() != "0")
}

struct Figures {
    page_s: f64,
    /// The same per-submission calls by plain `fetch` in the page, `PARALLEL` at a time:
    /// what the browser itself costs, before any of the page's work.
    browser_s: f64,
    plain_s: f64,
    calls: usize,
    median_call_ms: f64,
    longest_task_ms: f64,
    latest_probe_ms: f64,
    heap: u64,
    values: u64,
    /// After the largest load only (`filters`).
    filter: Option<FilterFigures>,
    /// After the largest load only: each export (`exports`).
    exports: Vec<(String, f64, f64)>,
}

/// The filter typed after the largest load: each answer's ms, sorted, and the lines that say
/// where its time went, printed after the table.
#[derive(Clone)]
struct FilterFigures {
    answers: Vec<f64>,
    lines: Vec<String>,
}

pub async fn run() -> Result<(), String> {
    let counts: Vec<usize> = list_env("BENCH_IOC_SUBMISSIONS", "1000,5000");
    let sources: Vec<String> = list_env("BENCH_IOC_SOURCES", "summary,ontology");
    let latencies: Vec<u64> = list_env("BENCH_IOC_LATENCIES", "0,20");
    let most = counts.iter().copied().max().unwrap_or(0);
    if most == 0 {
        return Ok(());
    }
    println!();
    println!(
        "== IoC view at scale: {counts:?} submissions, {sources:?}, {latencies:?} ms per call, {PARALLEL} parallel calls"
    );
    let s = Harness::start(Config {
        ioc_submissions: Some(most),
        ..Config::default()
    })
    .await;
    let addr = s.server.addr;
    s.open().await;
    let analyst = user("analyst");
    s.connect(analyst.user, analyst.apikey).await;
    s.wait_text(".identity", "Connected as analyst").await;
    s.open_tab("Network IoCs").await;
    s.fill("Query", IOC_MANY_QUERY).await;
    println!(
        "  {:<30} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10} {:>9} {:>8}",
        "workload",
        "page",
        "browser",
        "plain",
        "bound",
        "page÷bnd",
        "long task",
        "probe",
        "heap MB",
        "values"
    );
    let mut report = Vec::new();
    let last = (latencies.last(), sources.last(), counts.last());
    for &latency in &latencies {
        configure(addr, json!({"latency_ms": latency})).await;
        for source in &sources {
            for &n in &counts {
                let filter_after = last == (Some(&latency), Some(source), Some(&n));
                let f = workload(&s, addr, n, source, filter_after).await?;
                let bound = f.calls as f64 * f.median_call_ms / 1000.0 / PARALLEL as f64;
                let label = format!("{n} {source}, {latency} ms");
                println!(
                    "  {label:<30} {:>8.2}s {:>8.2}s {:>8.2}s {:>8.2}s {:>9.2} {:>8.0}ms {:>8.0}ms {:>9.1} {:>8}",
                    f.page_s,
                    f.browser_s,
                    f.plain_s,
                    bound,
                    f.page_s / bound.max(1e-9),
                    f.longest_task_ms,
                    f.latest_probe_ms,
                    f.heap as f64 / 1e6,
                    f.values
                );
                report.push((n, source.clone(), latency, f, bound));
            }
        }
    }
    let filter_ms = report.last().and_then(|r| r.3.filter.clone());
    let exports = report
        .last()
        .map(|r| r.3.exports.clone())
        .unwrap_or_default();
    s.finish().await;

    if let Some(f) = &filter_ms {
        for line in &f.lines {
            println!("  {line}");
        }
    }
    println!("  calls: the search pages, one counting search when capped, each submission's summary and, for Ontology, its ontology too");
    println!("  browser: the per-submission calls alone, by plain fetch in the page ({PARALLEL} at a time, bodies read as text, nothing merged or drawn)");
    println!("  bound: calls × median call (plain client) ÷ {PARALLEL}; probe: the latest a 50 ms timer fired during the run");
    for (what, ms, task) in &exports {
        println!("  {what}: {ms:.0} ms, longest task {task:.0} ms");
    }
    println!();
    println!("  Targets (issue; figures, not assertions)");
    for (n, source, latency, f, bound) in &report {
        if *n == 1000 && source == "summary" && *latency == 0 {
            println!(
                "  [{}] 1,000 submissions, Summary, 0 ms: ≤ {SUMMARY_1000_TARGET_S} s: {:.2} s",
                mark(f.page_s <= SUMMARY_1000_TARGET_S),
                f.page_s
            );
        }
        if *latency > 0 {
            println!(
                "  [{}] {n} {source}, {latency} ms: within {BOUND_FACTOR}× the latency bound: {:.2} s vs {:.2} s",
                mark(f.page_s <= bound * BOUND_FACTOR),
                f.page_s,
                bound
            );
        }
    }
    let probe = report
        .iter()
        .map(|r| r.3.latest_probe_ms.max(r.3.longest_task_ms))
        .fold(0.0, f64::max);
    println!(
        "  [{}] no probe waits more than {PROBE_TARGET_MS} ms: at most {probe:.0} ms",
        mark(probe <= PROBE_TARGET_MS)
    );
    if let Some(FilterFigures { answers, .. }) = filter_ms {
        let values = report.last().map_or(0, |r| r.3.values);
        let median = answers[answers.len() / 2];
        let worst = answers.last().copied().unwrap_or(f64::NAN);
        println!(
            "  [{}] filtering {values} values ≤ {FILTER_TARGET_MS} ms: median {median:.0} ms of {}, worst {worst:.0} ms",
            mark(median <= FILTER_TARGET_MS),
            answers.len()
        );
    }
    Ok(())
}

fn mark(pass: bool) -> &'static str {
    if pass {
        "PASS"
    } else {
        "FAIL"
    }
}

/// In-page watchers: the longest task and the latest timer probe since `__bench_reset()`.
const WATCH: &str = "
if (!window.__bench) {
  window.__bench = {long: 0, late: 0, last: performance.now()};
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) window.__bench.long = Math.max(window.__bench.long, e.duration);
  }).observe({type: 'longtask'});
  setInterval(() => {
    const now = performance.now();
    window.__bench.late = Math.max(window.__bench.late, now - window.__bench.last);
    window.__bench.last = now;
  }, 50);
}
window.__bench.long = 0; window.__bench.late = 0; window.__bench.last = performance.now();
";

async fn workload(
    s: &Harness,
    addr: SocketAddr,
    n: usize,
    source: &str,
    filter_after: bool,
) -> Result<Figures, String> {
    s.fill("Max submissions", &n.to_string()).await;
    s.js(&format!(
        "const el = document.getElementById('ioc-source'); el.value = '{source}';\
         el.dispatchEvent(new Event('change', {{bubbles: true}}));"
    ))
    .await;
    s.js(WATCH).await;
    let profile = std::env::var("BENCH_IOC_PROFILE").ok();
    if profile.is_some() {
        crate::cpu_profile::start(s).await?;
    }
    let want = format!("Loaded {n} of {n} submissions");
    s.js(&format!(
        "window.__run = {{t0: performance.now(), done: null}};\
         [...document.querySelectorAll('button')].find(b => b.textContent === 'Show IoCs').click();\
         const tick = () => {{\
           const p = document.querySelector('.run-progress');\
           if (p && p.textContent.startsWith('{want}')) window.__run.done = performance.now() - window.__run.t0;\
           else requestAnimationFrame(tick);\
         }};\
         requestAnimationFrame(tick);"
    ))
    .await;
    let deadline = Instant::now() + Duration::from_secs(600);
    let page_ms = loop {
        let v = s.js("return window.__run.done").await;
        if let Some(ms) = v.as_f64() {
            break ms;
        }
        if Instant::now() > deadline {
            let text = s
                .js("return document.querySelector('.run-progress')?.textContent")
                .await;
            return Err(format!("{n} {source}: not loaded after 10 minutes: {text}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    if let Some(folder) = &profile {
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = format!("{folder}/iocs-{run}-{n}-{source}.cpuprofile");
        crate::cpu_profile::stop(s, &path).await?;
    }
    let watch = s.js("return [window.__bench.long, window.__bench.late, performance.memory ? performance.memory.usedJSHeapSize : 0]").await;
    let values = s
        .js("return [...document.querySelectorAll('.group .count')].reduce((n, c) => n + parseInt(c.textContent.split(' of ').pop()), 0)")
        .await
        .as_u64()
        .unwrap_or(0);
    // Right after the load, as an analyst would filter and export: the browser floor's own
    // fetches below leave their garbage in the same page, for its next task to collect.
    let (filter, exports) = if filter_after {
        (Some(filters(s, values).await?), exports(s, values).await?)
    } else {
        (None, Vec::new())
    };
    let browser_s = browser_floor(s, n, source).await?;
    let (plain, durations, calls) = plain_client(addr, n, source).await?;
    let mut sorted = durations.clone();
    sorted.sort_by(f64::total_cmp);
    Ok(Figures {
        page_s: page_ms / 1000.0,
        browser_s,
        plain_s: plain.as_secs_f64(),
        calls,
        median_call_ms: sorted.get(sorted.len() / 2).copied().unwrap_or(0.0),
        longest_task_ms: watch[0].as_f64().unwrap_or(0.0),
        latest_probe_ms: watch[1].as_f64().unwrap_or(0.0),
        heap: watch[2].as_u64().unwrap_or(0),
        values,
        filter,
        exports,
    })
}

/// The calls the page makes for one submission: its summary; for Ontology, its ontology as
/// well, since the summary alone brings the flags, the safelist, whether the submission is
/// partial and which files the ontology left out (`run::iocs::submission`). Counting only the
/// ontology calls put the bound at half the calls the page has to make.
fn routes(source: &str) -> &'static [&'static str] {
    if source == "ontology" {
        &[
            "/api/v4/submission/summary/",
            "/api/v4/ontology/submission/",
        ]
    } else {
        &["/api/v4/submission/summary/"]
    }
}

/// Seconds for the browser alone to make the page's calls for each submission of the query
/// (the first `n`; `routes`), `PARALLEL` at a time with the page's headers, reading each body as
/// text: the floor under the page's time on this machine, which a plain client outside the
/// browser does not show.
async fn browser_floor(s: &Harness, n: usize, source: &str) -> Result<f64, String> {
    let analyst = user("analyst");
    let (name, key) = (analyst.user, analyst.apikey);
    let routes = serde_json::to_string(routes(source)).unwrap_or_default();
    // Started, then polled: a script WebDriver waits on times out after 30 s.
    s.js(&format!(
        r#"window.__floor = null;
(async () => {{
  const headers = {{'X-USER': '{name}', 'X-APIKEY': '{key}', 'Accept': 'application/json'}};
  const sids = []; let paging = '*';
  while (sids.length < {n}) {{
    const r = await fetch('/api/v4/search/submission/', {{method: 'POST', credentials: 'omit',
      headers: {{...headers, 'Content-Type': 'application/json'}},
      body: JSON.stringify({{query: '{IOC_MANY_QUERY}', fl: 'sid,max_score,state', rows: 100, deep_paging_id: paging}})}});
    const page = (await r.json()).api_response;
    sids.push(...page.items.map(i => i.sid));
    paging = page.next_deep_paging_id;
    if (!paging || page.items.length < 100) break;
  }}
  const queue = sids.slice(0, {n}).flatMap(sid => {routes}.map(route => route + sid + '/'));
  const t0 = performance.now();
  await Promise.all([...Array({PARALLEL}).keys()].map(async () => {{
    while (queue.length) {{
      const r = await fetch(queue.pop(), {{headers, credentials: 'omit'}});
      await r.text();
    }}
  }}));
  window.__floor = performance.now() - t0;
}})().catch(e => {{ window.__floor = String(e); }});"#
    ))
    .await;
    crate::browse::floor_seconds(s, Duration::from_secs(600)).await
}

/// The page's calls, made plainly: the deep-paged search (one page after another), the
/// counting search when capped, then each submission's calls (`routes`), `PARALLEL` at a
/// time. Returns (wall time, each call's ms, calls).
async fn plain_client(
    addr: SocketAddr,
    n: usize,
    source: &str,
) -> Result<(Duration, Vec<f64>, usize), String> {
    let started = Instant::now();
    let mut durations = Vec::new();
    let mut sids = Vec::new();
    let mut paging = "*".to_string();
    loop {
        let body = json!({"query": IOC_MANY_QUERY, "fl": "sid,max_score,state", "rows": 100, "deep_paging_id": paging});
        let (page, ms) = call(
            addr,
            "POST",
            "/api/v4/search/submission/",
            &body.to_string(),
        )
        .await?;
        durations.push(ms);
        let page: Value = serde_json::from_str(&page).map_err(|e| format!("search page: {e}"))?;
        let items = page["api_response"]["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        sids.extend(
            items
                .iter()
                .filter_map(|i| i["sid"].as_str().map(str::to_string)),
        );
        let next = page["api_response"]["next_deep_paging_id"]
            .as_str()
            .map(str::to_string);
        match next {
            Some(id) if items.len() == 100 && sids.len() < n => paging = id,
            _ => break,
        }
    }
    // The page cannot tell "exactly n" from "more than n" without asking: it counts.
    if sids.len() >= n {
        sids.truncate(n);
        let body = json!({"query": IOC_MANY_QUERY, "rows": 0, "track_total_hits": true});
        let (_, ms) = call(
            addr,
            "POST",
            "/api/v4/search/submission/",
            &body.to_string(),
        )
        .await?;
        durations.push(ms);
    }
    let paths: Vec<String> = sids
        .iter()
        .flat_map(|sid| routes(source).iter().map(move |r| format!("{r}{sid}/")))
        .collect();
    let queue = std::sync::Arc::new(std::sync::Mutex::new(paths));
    let mut workers = Vec::new();
    for _ in 0..PARALLEL {
        let queue = queue.clone();
        workers.push(tokio::spawn(async move {
            let mut took = Vec::new();
            loop {
                let next = queue.lock().unwrap().pop();
                let Some(path) = next else {
                    return Ok::<_, String>(took);
                };
                let (_, ms) = call(addr, "GET", &path, "").await?;
                took.push(ms);
            }
        }));
    }
    for w in workers {
        durations.extend(w.await.map_err(|e| e.to_string())??);
    }
    let calls = durations.len();
    Ok((started.elapsed(), durations, calls))
}

/// One authenticated call over a fresh loopback connection: the body on 200, and how long the
/// call took in milliseconds.
async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> Result<(String, f64), String> {
    let started = Instant::now();
    let analyst = user("analyst");
    let headers = [
        ("X-USER", analyst.user),
        ("X-APIKEY", analyst.apikey),
        ("Accept", "application/json"),
    ];
    let (status, text) = request(addr, method, path, &headers, body).await?;
    if status != 200 {
        let reason = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        return Err(format!("{method} {path}: HTTP/1.1 {status} {reason}"));
    }
    Ok((text, started.elapsed().as_secs_f64() * 1000.0))
}

/// After the largest load (`values` shown): how long the filter takes to show, typed
/// `FILTER_REPEATS` times, cleared in between.
async fn filters(s: &Harness, values: u64) -> Result<FilterFigures, String> {
    let profile = std::env::var("BENCH_IOC_PROFILE").ok();
    if profile.is_some() {
        crate::cpu_profile::start(s).await?;
    }
    let before = s
        .js("return document.querySelectorAll('.group tbody tr:not(.spacer)').length")
        .await;
    s.js(FRAMES).await;
    let mut filters = vec![filter_once(s, "camp7.", HIDDEN).await?];
    if let Some(folder) = &profile {
        crate::cpu_profile::stop(s, &format!("{folder}/iocs-filter.cpuprofile")).await?;
    }
    let mut lines = vec![long_frames(s, "the first filter").await];
    let drawn = s
        .js("return [document.querySelectorAll('.group tbody tr:not(.spacer)').length, document.querySelectorAll('.group tbody *').length, [...document.querySelectorAll('.group tbody *')].reduce((n, e) => n + [...e.attributes].reduce((m, a) => m + a.value.length, 0), 0)]")
        .await;
    lines.push(format!(
        "the filter took down {before} rows and drew {} ({} elements, {} characters of attributes) in the groups near the screen",
        drawn[0], drawn[1], drawn[2]
    ));
    // The same filter typed again after clearing it: one figure is one draw of the page, and
    // the host's speed moves it by tens of milliseconds.
    let cleared = format!("!({HIDDEN})");
    filter_once(s, "", &cleared).await?;
    for n in 1..FILTER_REPEATS {
        if profile.is_some() && n == 1 {
            crate::cpu_profile::start(s).await?;
        }
        filters.push(filter_once(s, "camp7.", HIDDEN).await?);
        if let (Some(folder), 1) = (&profile, n) {
            crate::cpu_profile::stop(s, &format!("{folder}/iocs-filter-again.cpuprofile")).await?;
        }
        filter_once(s, "", &cleared).await?;
    }
    let words: Vec<String> = filters
        .iter()
        .map(|(answer, work)| format!("{answer:.0} ({work:.0})"))
        .collect();
    lines.push(format!(
        "filtering {values} values, {FILTER_REPEATS} times, ms to the frame after the answer (the page's own work, to its next task): {}",
        words.join(", ")
    ));
    let mut answers: Vec<f64> = filters.iter().map(|f| f.0).collect();
    answers.sort_by(f64::total_cmp);
    Ok(FilterFigures { answers, lines })
}

/// After the largest load: each export's time and longest task: [(what, ms, longest task ms)].
async fn exports(s: &Harness, values: u64) -> Result<Vec<(String, f64, f64)>, String> {
    let mut exports = Vec::new();
    // Each export names its own file in the "Saved …" notice.
    let saved = [
        ("Export JSON", r"al-iocs-[0-9-]+\.json"),
        ("Export CSV", r"al-iocs-[0-9-]+\.csv"),
        ("Export MISP CSV", r"al-iocs-[0-9-]+-misp\.csv"),
        ("Export STIX", r"al-iocs-[0-9-]+-stix\.json"),
    ];
    for (label, file) in saved {
        s.js(WATCH).await;
        let ms = respond(
            s,
            &format!("[...document.querySelectorAll('button')].find(b => b.textContent === '{label}').click();"),
            &format!("/Saved {file}/.test(document.querySelector('.ioc-results')?.innerText ?? '')"),
        )
        .await?;
        let task = s
            .js("return window.__bench.long")
            .await
            .as_f64()
            .unwrap_or(0.0);
        exports.push((
            format!("{label} ({values} values, hide safelisted)"),
            ms,
            task,
        ));
    }
    Ok(exports)
}

/// Types `text` into the IoC filter; returns the ms until the frame after `effect` held, and
/// the ms until the page's next task ran (the filter's own work, without waiting for frames).
async fn filter_once(s: &Harness, text: &str, effect: &str) -> Result<(f64, f64), String> {
    let answer = respond(
        s,
        &format!(
            "window.__work = null; {}\
             const next = new MessageChannel();\
             next.port1.onmessage = () => window.__work = performance.now() - t0;\
             next.port2.postMessage(0);",
            set_value("ioc-filter", text)
        ),
        effect,
    )
    .await?;
    let work = s
        .js("return window.__work")
        .await
        .as_f64()
        .unwrap_or(f64::NAN);
    Ok((answer, work))
}

/// Records the page's frames longer than 50 ms from now on (`long-animation-frame`), for
/// `long_frames`: where a slow answer's time went.
const FRAMES: &str = "window.__frames = [];\
  new PerformanceObserver(l => window.__frames.push(...l.getEntries().map(e => ({\
    duration: e.duration,\
    script: e.scripts.reduce((n, s) => n + s.duration, 0),\
  })))).observe({type: 'long-animation-frame'});";

/// The long frames `FRAMES` recorded since it ran, in words: each frame's length and the part
/// of it in scripts (the page's own work); the rest is the browser's (style, layout, paint,
/// garbage collection).
async fn long_frames(s: &Harness, what: &str) -> String {
    // The observer reports a frame after it ends.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let frames = s.js("return window.__frames ?? []").await;
    let frames = frames.as_array().cloned().unwrap_or_default();
    let ms = |f: &serde_json::Value, k: &str| f[k].as_f64().unwrap_or(0.0);
    let words: Vec<String> = frames
        .iter()
        .map(|f| {
            format!(
                "{:.0} ms (scripts {:.0})",
                ms(f, "duration"),
                ms(f, "script")
            )
        })
        .collect();
    format!(
        "{what}: frames over 50 ms: {}",
        if words.is_empty() {
            "none".to_string()
        } else {
            words.join("; ")
        }
    )
}
