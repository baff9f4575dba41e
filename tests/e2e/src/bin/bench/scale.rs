//! Scale: collections shaped like real ones — thousands of submissions, several qualifying files
//! each — at 0 ms and 20 ms per call. For each workload: the seed exercise-2 script, then the
//! page in one click (Collect zip) and in two steps (Find files, Download zip), with the calls
//! in flight on average, the latency bound, the page's longest task and event-loop wait, heap
//! peaks and the rate cART is written at. Then, unless `BENCH_SCALE_H2=0`, one click again
//! through nginx over TLS and HTTP/2 (`h2.rs`), as the shipped configurations serve the page,
//! with the browser's own fetches of the same calls that way.
//!
//! BENCH_SCALE lists the workloads as `submissions x qualifying-per-submission @ ms`, comma
//! separated (default below; `0` skips the part).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use al_e2e::mock_al::Config;
use al_e2e::Harness;

use super::{
    connect_and_open_collect, finished_zip, h2, js, progress_text, run_seed, secs, thousands,
    verdict, Opts, Zip, MIB,
};

const DEFAULT_WORKLOADS: &str = "200x0.55@20,500x2.2@0,4000x2.2@0,4000x2.2@20";
/// The page's default "Parallel calls".
const PARALLEL: f64 = 6.0;

struct Workload {
    submissions: usize,
    per: f64,
    latency_ms: u64,
}

fn workloads() -> Result<Vec<Workload>, String> {
    let text = std::env::var("BENCH_SCALE").unwrap_or_else(|_| DEFAULT_WORKLOADS.into());
    if text.trim() == "0" {
        return Ok(vec![]);
    }
    text.split(',')
        .map(|w| {
            let bad = || format!("BENCH_SCALE: {w:?} is not like 500x2@0");
            let (shape, ms) = w.trim().split_once('@').ok_or_else(bad)?;
            let (subs, per) = shape.split_once('x').ok_or_else(bad)?;
            Ok(Workload {
                submissions: subs.trim().parse().map_err(|_| bad())?,
                per: per.trim().parse().map_err(|_| bad())?,
                latency_ms: ms.trim().parse().map_err(|_| bad())?,
            })
        })
        .collect()
}

/// Injected once the page is connected: a long-task observer, an event-loop probe every
/// 50 ms (how late it ran is how long a click would have waited), and heap peaks.
pub(super) const PROBES: &str = "\
    const p = window.__probe = {lag: 0, heap: 0, wasm: 0, longest: 0};\
    try { new PerformanceObserver(l => { for (const e of l.getEntries()) p.longest = Math.max(p.longest, e.duration); })\
          .observe({type: 'longtask'}); } catch (e) { p.longest = -1; }\
    let last = performance.now();\
    setInterval(() => {\
      const now = performance.now(); p.lag = Math.max(p.lag, now - last - 50); last = now;\
      if (performance.memory) p.heap = Math.max(p.heap, performance.memory.usedJSHeapSize);\
      const w = document.querySelector('.wasm-memory'); if (w) p.wasm = Math.max(p.wasm, +w.dataset.bytes || 0);\
    }, 50);\
    performance.setResourceTimingBufferSize(1000000); performance.clearResourceTimings();\
    document.addEventListener('click', () => { p.clicked = p.clicked || performance.now(); }, true);\
    return performance.now();";

/// The page's own calls as its resource timings show them (the byte worker's downloads are in
/// the worker's timeline, not here): when the first one started after the click.
const READ_PROBES: &str = "\
    const calls = performance.getEntriesByType('resource').filter(e => e.name.includes('/api/'));\
    return {probe: window.__probe,\
            first: Math.min(...calls.map(e => e.startTime)) - (window.__probe.clicked || 0),\
            clicked_epoch_ms: window.__probe.clicked ? performance.timeOrigin + window.__probe.clicked : null};";

struct PageFigures {
    /// From the page's click to the last write of the zip, both on this machine's clock.
    wall: Duration,
    /// The same as the driver saw it: its find-and-click round trips and its poll included.
    driver_wall: Duration,
    calls: u64,
    busy_ms: f64,
    median_ms: f64,
    lag_ms: f64,
    longest_ms: f64,
    heap: u64,
    wasm: u64,
    zip: Zip,
    /// Click to the first call.
    before_ms: f64,
    /// The GET calls the server saw, in the order they came ("GET /api/v4/…").
    gets: Vec<String>,
}

impl PageFigures {
    fn in_flight(&self) -> f64 {
        self.busy_ms / 1000.0 / self.wall.as_secs_f64()
    }
    fn bound(&self) -> f64 {
        self.calls as f64 * self.median_ms / 1000.0 / PARALLEL
    }
}

/// The user's wait: from the click the page received (`performance.timeOrigin` plus its
/// timestamp) to the zips' last write on disk (their modification time). The driver's own
/// clock would add its find-and-click round trips and the 20 ms poll of the downloads folder,
/// tens of milliseconds that matter at a second's run.
fn click_to_zip_written(
    clicked_epoch_ms: &serde_json::Value,
    downloads: &std::path::Path,
) -> Option<Duration> {
    let clicked = clicked_epoch_ms.as_f64()?;
    let written = al_e2e::mock_control::zips(downloads)
        .iter()
        .filter_map(|z| std::fs::metadata(z).and_then(|m| m.modified()).ok())
        .max()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs_f64()
        * 1000.0;
    (written > clicked).then(|| Duration::from_secs_f64((written - clicked) / 1000.0))
}

async fn wait_for_zip(s: &Harness, started: Instant) -> Result<std::path::PathBuf, String> {
    let deadline = started + Duration::from_secs(1800);
    loop {
        if let Some(z) = finished_zip(&s.downloads) {
            return Ok(z);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "no zip after 30 min; progress: {:?}",
                progress_text(s).await
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One page run: `one_click` clicks Collect zip; otherwise Find files, then Download zip once
/// the scan is complete. `through` is the HTTP/2 proxy to open the page at, else the mock.
async fn page_run(
    s: &Harness,
    one_click: bool,
    through: Option<&h2::Proxy>,
) -> Result<PageFigures, String> {
    for z in al_e2e::mock_control::zips(&s.downloads) {
        let _ = std::fs::remove_file(z);
    }
    match through {
        None => connect_and_open_collect(s, None).await,
        Some(proxy) => {
            s.open_at(&proxy.url).await;
            let protocol = js(
                s,
                "return performance.getEntriesByType('navigation')[0].nextHopProtocol",
            )
            .await;
            if protocol != "h2" {
                return Err(format!("the page came over {protocol}, not HTTP/2"));
            }
            s.sign_in("analyst", "Collect files").await;
        }
    }
    js(s, PROBES).await;
    // Calls as the server saw them, whichever of the page's threads made them.
    al_e2e::mock_control::reset_stats(s.server.addr).await;
    let profile = std::env::var("BENCH_SCALE_PROFILE").ok();
    if profile.is_some() {
        crate::cpu_profile::start(s).await?;
    }
    let started = Instant::now();
    if one_click {
        s.click_button("Collect zip").await;
    } else {
        s.click_button("Find files").await;
        loop {
            let text = progress_text(s).await;
            if text.contains("Scan complete") {
                break;
            }
            if started.elapsed() > Duration::from_secs(1800) {
                return Err(format!("no \"Scan complete\" after 30 min: {text:?}"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        s.click_button("Download zip").await;
    }
    let zip = wait_for_zip(s, started).await?;
    let driver_wall = started.elapsed();
    if let Some(folder) = &profile {
        let how = if one_click { "one-click" } else { "two-steps" };
        crate::cpu_profile::stop(s, &format!("{folder}/scale-{how}.cpuprofile")).await?;
    }
    let v = js(s, READ_PROBES).await;
    let stats = al_e2e::mock_control::stats(s.server.addr).await;
    keep_timeline(&stats, one_click);
    let calls = stats["call_time"].clone();
    let gets = stats["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|call| call[1].as_str())
        .filter_map(|call| call.strip_prefix("GET "))
        .map(str::to_string)
        .collect();
    let num = |x: &serde_json::Value| x.as_f64().unwrap_or(0.0);
    let wall = click_to_zip_written(&v["clicked_epoch_ms"], &s.downloads).unwrap_or(driver_wall);
    Ok(PageFigures {
        wall,
        driver_wall,
        calls: calls["calls"].as_u64().unwrap_or(0),
        busy_ms: num(&calls["busy_ms"]),
        median_ms: num(&calls["median_ms"]),
        lag_ms: num(&v["probe"]["lag"]),
        longest_ms: num(&v["probe"]["longest"]),
        heap: num(&v["probe"]["heap"]) as u64,
        wasm: num(&v["probe"]["wasm"]) as u64,
        zip: Zip::read(&zip)?,
        before_ms: num(&v["first"]),
        gets,
    })
}

/// With `BENCH_TIMELINE=<folder>`, each run's calls as the server saw them (route, start and
/// duration in µs) go to a file there, to find where the calls leave gaps.
fn keep_timeline(stats: &serde_json::Value, one_click: bool) {
    let Some(folder) = std::env::var_os("BENCH_TIMELINE") else {
        return;
    };
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let how = if one_click { "one-click" } else { "two-steps" };
    let path = std::path::Path::new(&folder).join(format!("run-{run}-{how}.json"));
    match std::fs::write(&path, stats["timeline"].to_string()) {
        Ok(()) => println!("  timeline: {}", path.display()),
        Err(e) => println!("  timeline not written to {}: {e}", path.display()),
    }
}

/// Seconds for the browser alone to make the GET calls the page made (its trees and downloads,
/// not the search), `PARALLEL` at a time with the page's headers, reading each body whole: the
/// floor under the page's time that this browser on this machine sets, which the server's own
/// call times (the latency bound) do not show.
async fn browser_floor(s: &Harness, gets: &[String]) -> Result<f64, String> {
    let analyst = al_e2e::user("analyst");
    let calls = serde_json::to_string(gets).map_err(|e| e.to_string())?;
    // Started, then polled: a script WebDriver waits on times out after 30 s.
    js(
        s,
        &format!(
            r#"window.__floor = null;
(async () => {{
  const headers = {{'X-USER': '{}', 'X-APIKEY': '{}'}};
  const queue = {calls}.reverse(); const t0 = performance.now();
  await Promise.all([...Array({PARALLEL}).keys()].map(async () => {{
    while (queue.length) {{
      const r = await fetch(queue.pop(), {{headers, credentials: 'omit'}});
      await r.arrayBuffer();
    }}
  }}));
  window.__floor = performance.now() - t0;
}})().catch(e => {{ window.__floor = String(e); }});"#,
            analyst.user, analyst.apikey
        ),
    )
    .await;
    super::browse::floor_seconds(s, Duration::from_secs(1800)).await
}

fn report(label: &str, seed: Duration, page: &PageFigures, seed_files: &BTreeSet<String>) {
    let ratio = seed.as_secs_f64() / page.wall.as_secs_f64();
    let files: BTreeSet<String> = page.zip.carts.keys().cloned().collect();
    println!(
        "  {label:<9} {:>9}  {:>5.1}×  in flight {:.1} of {PARALLEL} ({:.0} %)  bound {:.2} s (×{:.2})  \
         median call {:.1} ms  {} calls",
        secs(page.wall),
        ratio,
        page.in_flight(),
        100.0 * page.in_flight() / PARALLEL,
        page.bound(),
        page.wall.as_secs_f64() / page.bound().max(0.001),
        page.median_ms,
        thousands(page.calls),
    );
    println!(
        "  {:<9} longest task {:.0} ms, longest probe wait {:.0} ms, JS heap peak {:.1} MiB, WASM {:.1} MiB, \
         {:.1} MB/s of cART ({} in {} files); same files as the seed: {}",
        "",
        page.longest_ms,
        page.lag_ms,
        page.heap as f64 / MIB as f64,
        page.wasm as f64 / MIB as f64,
        page.zip.size as f64 / 1e6 / page.wall.as_secs_f64(),
        thousands(page.zip.size),
        files.len(),
        if files == *seed_files { "yes" } else { "NO" }
    );
    println!(
        "  {:<9} click to first call {:.0} ms; click to zip written {} ({} as the driver saw it)",
        "",
        page.before_ms,
        secs(page.wall),
        secs(page.driver_wall)
    );
}

/// A floor that failed (plain fetch has no retry: one dropped connection ends it) is said and
/// the run goes on: the page's own figures stand without it.
fn report_floor(label: &str, floor: Result<f64, String>, page: &PageFigures) {
    let floor = match floor {
        Ok(floor) => floor,
        Err(why) => return println!("  {label:<9} the browser's own fetches failed: {why}"),
    };
    println!(
        "  {label:<9} {:>9}  the same {} GET calls in plain fetch(), {PARALLEL} at a time; the page takes {:.2}× that",
        secs(Duration::from_secs_f64(floor)),
        thousands(page.gets.len() as u64),
        page.wall.as_secs_f64() / floor.max(0.001)
    );
}

/// The targets on the call slots, while the server sets the pace: calls in flight on average
/// against "Parallel calls", and the time over the latency bound.
fn slot_targets(page: &PageFigures) -> String {
    let over_bound = page.wall.as_secs_f64() / page.bound().max(0.001);
    format!(
        "{:.0} % in flight, ≥ 90 %: {}; {over_bound:.2}× the bound, ≤ 1.25×: {}",
        100.0 * page.in_flight() / PARALLEL,
        verdict(page.in_flight() >= 0.9 * PARALLEL),
        verdict(over_bound <= 1.25)
    )
}

/// With `BENCH_SCALE_H2` (1 by default; 0 skips it), each workload also runs in one click
/// through nginx over TLS and HTTP/2 (`h2.rs`), as the shipped configurations serve the page.
fn over_h2() -> bool {
    std::env::var("BENCH_SCALE_H2").map_or(true, |v| v.trim() != "0")
}

pub async fn scale(opts: &Opts) -> Result<(), String> {
    for w in workloads()? {
        println!(
            "== Scale: {} submissions, ~{} qualifying files each, {} ms per call (Parallel calls 6)",
            w.submissions, w.per, w.latency_ms
        );
        let s = Harness::start(Config {
            latency_ms: w.latency_ms,
            submissions: w.submissions,
            qualifying_per_submission: Some(w.per),
            ..Config::default()
        })
        .await;
        // Tolerant: the mock, like a real server, has a file whose blob is missing.
        let seed = run_seed(opts, "seed_exercise2_tolerant.py", s.server.addr).await;
        if !seed.ok {
            return Err(format!("the seed script failed: {}", seed.stderr));
        }
        println!(
            "  seed      {:>9}  {} files, {} API calls",
            secs(seed.wall),
            seed.files.len(),
            thousands(seed.stats.api_calls())
        );
        let one = page_run(&s, true, None).await?;
        report("one click", seed.wall, &one, &seed.files);
        let two = page_run(&s, false, None).await?;
        report("two steps", seed.wall, &two, &seed.files);
        let floor = browser_floor(&s, &one.gets).await;
        report_floor("browser", floor, &one);
        if over_h2() {
            let proxy = h2::start(s.server.addr);
            let h2 = page_run(&s, true, Some(&proxy)).await?;
            report("HTTP/2", seed.wall, &h2, &seed.files);
            let floor = browser_floor(&s, &h2.gets).await;
            report_floor("browser/2", floor, &h2);
            // At 0 ms the page's own work, not the server, sets the pace: no call-slot target.
            if w.latency_ms > 0 {
                println!("  over HTTP/2 (one click): {}", slot_targets(&h2));
            }
        }
        let target = if w.latency_ms == 0 {
            format!("page ≤ seed: {}", verdict(one.wall <= seed.wall))
        } else {
            format!(
                "≥ 5× the seed: {}; {}",
                verdict(seed.wall.as_secs_f64() / one.wall.as_secs_f64() >= 5.0),
                slot_targets(&one)
            )
        };
        println!(
            "  targets (one click): {target}; no probe waits > 250 ms: {}; WASM < 128 MiB: {}",
            verdict(one.lag_ms <= 250.0),
            verdict(one.wasm < 128 * MIB)
        );
    }
    Ok(())
}
