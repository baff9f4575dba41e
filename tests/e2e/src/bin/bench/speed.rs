//! Speed: the seed exercise-2 script and AL Collector (the built page in headless Chromium)
//! collect the same files from one mock Assemblyline server; the page's run, its phases and
//! the time line of its API calls.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use al_e2e::mock_al::Config;
use al_e2e::mock_control::reset_stats;
use al_e2e::Harness;

use super::seed::SeedRun;
use super::{
    connect_and_open_collect, field_value, finished_zip, js, list, progress_text, python_startup,
    row, run_seed, secs, short, thousands, verdict, zip_out, Opts, Stats, Zip, THRESHOLD,
};

/// When the page's API calls ran, from the browser's Resource Timing entries, per kind of call.
/// The median call time against the latency the mock adds shows what the page itself costs.
#[derive(Default)]
struct Timeline {
    spans: Vec<Span>,
}

struct Span {
    kind: String,
    calls: usize,
    /// Seconds after the click on Find files.
    first: f64,
    last: f64,
    most_at_once: usize,
    /// Median of responseEnd - startTime, in milliseconds.
    median_ms: f64,
}

impl Timeline {
    /// The page's own calls; downloads the byte worker makes are in the worker's timeline
    /// and show only where the page verifies on its own thread.
    async fn read(s: &Harness, t0: f64) -> Timeline {
        let v = js(
            s,
            "return performance.getEntriesByType('resource')\
               .filter(e => e.name.includes('/api/'))\
               .map(e => [e.name, e.startTime, e.responseEnd]);",
        )
        .await;
        let mut groups: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
        for e in v.as_array().into_iter().flatten() {
            let url = e[0].as_str().unwrap_or("");
            let kind = if url.contains("/search/") {
                "search"
            } else if url.contains("/submission/tree/") {
                "submission/tree"
            } else if url.contains("/file/download/") {
                "file/download"
            } else {
                "other"
            };
            let (a, b) = (e[1].as_f64().unwrap_or(0.0), e[2].as_f64().unwrap_or(0.0));
            groups
                .entry(kind.to_string())
                .or_default()
                .push(((a - t0) / 1000.0, (b - t0) / 1000.0));
        }
        let mut spans: Vec<Span> = groups
            .into_iter()
            .map(|(kind, calls)| {
                let mut took: Vec<f64> = calls.iter().map(|c| (c.1 - c.0) * 1000.0).collect();
                took.sort_by(f64::total_cmp);
                Span {
                    kind,
                    calls: calls.len(),
                    first: calls.iter().map(|c| c.0).fold(f64::MAX, f64::min),
                    last: calls.iter().map(|c| c.1).fold(0.0, f64::max),
                    most_at_once: calls
                        .iter()
                        .map(|c| calls.iter().filter(|d| d.0 <= c.0 && c.0 < d.1).count())
                        .max()
                        .unwrap_or(0),
                    median_ms: took[took.len() / 2],
                }
            })
            .collect();
        spans.sort_by(|a, b| a.first.total_cmp(&b.first));
        Timeline { spans }
    }
}

impl PageRun {
    fn print_phases(&self, who: &str) {
        println!(
            "  note: {who} phases: \"Scan complete\" at {}, Download zip clicked, \"Zip saved\" \
             at {}, zip on disk at {}",
            secs(self.scan),
            self.saved.map_or("-".into(), secs),
            secs(self.wall)
        );
        for span in &self.timeline.spans {
            println!(
                "  note: {who} {}: {} call(s) from {:.2} s to {:.2} s, at most {} at once, \
                 median {:.0} ms per call",
                span.kind, span.calls, span.first, span.last, span.most_at_once, span.median_ms
            );
        }
    }
}

struct PageRun {
    wall: Duration,
    scan: Duration,
    /// When the page said "Zip saved" (the Blob handed to the browser), if seen before the disk.
    saved: Option<Duration>,
    timeline: Timeline,
    scan_text: String,
    final_text: String,
    zip: Zip,
    stats: Stats,
    connect_stats: Stats,
}

const FAST_POLL: Duration = Duration::from_millis(20);

async fn run_page_speed(s: &Harness, parallel: Option<usize>) -> Result<PageRun, String> {
    let addr = s.server.addr;
    reset_stats(addr).await;
    connect_and_open_collect(s, parallel).await;
    let connect_stats = Stats::read(addr).await;
    let (query, threshold) = (
        field_value(s, "Query").await,
        field_value(s, "Score threshold").await,
    );
    if query != "max_score:>=7000" || threshold != "7000" {
        return Err(format!(
            "unexpected defaults: Query {query:?}, Score threshold {threshold:?}"
        ));
    }
    reset_stats(addr).await;
    // The page's own clock, to place each API call (Resource Timing) on the run's time line.
    let page_t0 = js(
        s,
        "performance.setResourceTimingBufferSize(100000); performance.clearResourceTimings();\
         return performance.now();",
    )
    .await
    .as_f64()
    .unwrap_or(0.0);
    let deadline = Instant::now() + Duration::from_secs(300);
    let started = Instant::now();
    s.click_button("Find files").await;
    let scan_text = loop {
        let text = progress_text(s).await;
        if text.contains("Scan complete") {
            break text;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "no \"Scan complete\" after 5 min; progress: {text:?}"
            ));
        }
        tokio::time::sleep(FAST_POLL).await;
    };
    let scan = started.elapsed();
    s.click_button("Download zip").await;
    let mut saved = None;
    let zip = loop {
        if let Some(z) = finished_zip(&s.downloads) {
            break z;
        }
        if saved.is_none() && zip_out(&progress_text(s).await) {
            saved = Some(started.elapsed());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "no zip after 5 min; progress: {:?}",
                progress_text(s).await
            ));
        }
        tokio::time::sleep(FAST_POLL).await;
    };
    let wall = started.elapsed();
    let stats = Stats::read(addr).await;
    // Not timed: the status line that follows the save.
    let mut final_text = progress_text(s).await;
    let settle = Instant::now() + Duration::from_secs(10);
    while !zip_out(&final_text) && Instant::now() < settle {
        tokio::time::sleep(Duration::from_millis(100)).await;
        final_text = progress_text(s).await;
    }
    let timeline = Timeline::read(s, page_t0).await;
    Ok(PageRun {
        wall,
        scan,
        saved,
        timeline,
        scan_text,
        final_text,
        zip: Zip::read(&zip)?,
        stats,
        connect_stats,
    })
}

pub(crate) async fn speed(opts: &Opts) -> Result<(), String> {
    println!(
        "== Speed: seed exercise 2 vs AL Collector — mock Assemblyline, {} ms per API call, {} submissions",
        opts.latency_ms, opts.submissions
    );
    if !opts.python.is_file() {
        return Err(format!(
            "no Python at {} (scripts/bench.sh creates the venv)",
            opts.python.display()
        ));
    }
    let s = Harness::start(Config {
        latency_ms: opts.latency_ms,
        submissions: opts.submissions,
        ..Config::default()
    })
    .await;
    let want = Expected::from_data(&s);
    let seeds = seed_runs(opts, s.server.addr, &want.missing).await?;
    let pages = page_runs(&s, opts).await?;
    s.finish().await;

    let page = &pages.page;
    let ours: BTreeSet<String> = page.zip.carts.keys().cloned().collect();
    let failures = page.zip.failures();
    print_notes(&seeds, &pages);
    print_table(&seeds.seed, page, want.expected.len(), &ours);
    let (same, missing_listed) = print_checks(&seeds.seed, &pages, &want, &ours, &failures);
    print_targets(&seeds.seed, &pages, &want, &ours, same, missing_listed);
    print_progress(page);
    Ok(())
}

/// What the mock's data says a collection should find.
struct Expected {
    /// Files scoring at or above the threshold in a matching submission.
    expected: BTreeSet<String>,
    /// Those whose blob the server lacks (their download is a 404).
    missing: BTreeSet<String>,
    downloadable: BTreeSet<String>,
}

impl Expected {
    fn from_data(s: &Harness) -> Expected {
        let data = s.server.dataset();
        let matching = data
            .sids()
            .iter()
            .filter(|sid| data.max_score(sid).unwrap_or(0) >= THRESHOLD)
            .count();
        let expected = data.files_at_or_above(THRESHOLD);
        let missing: BTreeSet<String> = expected
            .iter()
            .filter(|sha| data.file_bytes(sha).is_none() && !data.is_bulk(sha))
            .cloned()
            .collect();
        let downloadable: BTreeSet<String> = expected.difference(&missing).cloned().collect();
        println!(
            "  data: {} submissions, {matching} with max_score >= {THRESHOLD}; {} files score >= {THRESHOLD} \
             in one of them, {} of which has no blob (its download is a 404)",
            data.sids().len(),
            expected.len(),
            missing.len()
        );
        Expected {
            expected,
            missing,
            downloadable,
        }
    }
}

struct SeedRuns {
    notes: Vec<String>,
    /// The first run, while the mock still encodes each cART on first request.
    cold: SeedRun,
    /// The measured run.
    seed: SeedRun,
    startup: Option<Duration>,
}

/// The seed script, verbatim; then, if it died, the tolerant variant; then the measured run.
async fn seed_runs(
    opts: &Opts,
    addr: SocketAddr,
    missing: &BTreeSet<String>,
) -> Result<SeedRuns, String> {
    let verbatim = run_seed(opts, "seed_exercise2.py", addr).await;
    let mut notes = Vec::new();
    let (script, cold) = if verbatim.ok {
        notes.push("seed script (verbatim) ran to the end".to_string());
        ("seed_exercise2.py", verbatim)
    } else {
        let n = verbatim.stats.status("file/download", "200");
        let last_line = verbatim
            .stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_string();
        let at = if missing.len() == 1 && verbatim.stats.status("file/download", "404") == 1 {
            missing.iter().next().cloned().unwrap_or_default()
        } else {
            format!(
                "one of {{{}}} ({} download(s) answered 404)",
                list(missing),
                verbatim.stats.status("file/download", "404")
            )
        };
        notes.push(format!(
            "seed script aborted at file {at} after {n} downloads, in {}: {last_line}",
            secs(verbatim.wall)
        ));
        notes.push(
            "the comparison uses scripts/bench/seed_exercise2_tolerant.py: the same script with \
             only client.file.download wrapped in try/except"
                .to_string(),
        );
        let script = "seed_exercise2_tolerant.py";
        (script, run_seed(opts, script, addr).await)
    };
    if !cold.ok {
        return Err(format!("{script} failed:\n{}", cold.stderr));
    }
    // Measured: a second run, once the mock has cached the cART of every download this client
    // asks for (its encoder is the official crate, slow in a debug build; see docs/benchmark.md).
    let seed = run_seed(opts, script, addr).await;
    if !seed.ok {
        return Err(format!(
            "{script} failed on its second run:\n{}",
            seed.stderr
        ));
    }
    let startup = python_startup(opts).await;
    Ok(SeedRuns {
        notes,
        cold,
        seed,
        startup,
    })
}

struct PageRuns {
    cold: PageRun,
    page: PageRun,
    /// Zip entries that decode to their sha256, and those that do not.
    good: usize,
    bad: Vec<String>,
    /// The extra run with a wider "Parallel calls" setting.
    wider: Option<(usize, PageRun)>,
}

/// AL Collector in headless Chromium: a cold run, the measured one, and one with more
/// parallel calls if asked.
async fn page_runs(s: &Harness, opts: &Opts) -> Result<PageRuns, String> {
    let clear_downloads = || {
        for z in std::fs::read_dir(&s.downloads)
            .into_iter()
            .flatten()
            .flatten()
        {
            let _ = std::fs::remove_file(z.path());
        }
    };
    let page_cold = run_page_speed(s, None).await?;
    clear_downloads();
    let page = run_page_speed(s, None).await?;
    // Checked before the extra run replaces the zip on disk.
    let (good, bad) = page.zip.verify_carts()?;
    let wider = if opts.parallel > 0 {
        clear_downloads();
        Some((opts.parallel, run_page_speed(s, Some(opts.parallel)).await?))
    } else {
        None
    };
    Ok(PageRuns {
        cold: page_cold,
        page,
        good,
        bad,
        wider,
    })
}

fn print_notes(seeds: &SeedRuns, pages: &PageRuns) {
    let (notes, cold, startup) = (&seeds.notes, &seeds.cold, seeds.startup);
    let (page_cold, page, wider) = (&pages.cold, &pages.page, &pages.wider);
    println!();
    for n in notes {
        println!("  note: {n}");
    }
    println!(
        "  note: first (cold) runs, while the mock still encoded each cART on first request: \
         seed {}, AL Collector {}; the table shows the second runs",
        secs(cold.wall),
        secs(page_cold.wall)
    );
    if let Some(t) = startup {
        println!(
            "  note: the seed's wall time includes Python start + import assemblyline_client: {}",
            secs(t)
        );
    }
    println!(
        "  note: AL Collector is timed from the click on Find files to the zip on disk (the page \
         was loaded and connected before: {} static bytes, {} API calls)",
        thousands(page.connect_stats.static_bytes),
        page.connect_stats.api_calls()
    );
    page.print_phases("AL Collector");
    if let Some((n, run)) = wider {
        run.print_phases(&format!("AL Collector, Parallel calls {n},"));
    }
}

fn print_table(seed: &SeedRun, page: &PageRun, expected: usize, ours: &BTreeSet<String>) {
    println!();
    row(
        "",
        &format!("seed ({})", seed.script.trim_end_matches(".py")),
        "AL Collector",
    );
    row("wall time", &secs(seed.wall), &secs(page.wall));
    row(
        "API calls",
        &seed.stats.api_calls().to_string(),
        &page.stats.api_calls().to_string(),
    );
    let routes: BTreeSet<&String> = seed
        .stats
        .counts
        .keys()
        .chain(page.stats.counts.keys())
        .filter(|r| r.as_str() != "static")
        .collect();
    for r in routes {
        let cell = |st: &Stats| {
            let n = st.count(r);
            if n == 0 {
                "-".to_string()
            } else {
                let codes: Vec<String> = st
                    .statuses
                    .get(r.as_str())
                    .map(|c| {
                        c.iter()
                            .filter(|(code, _)| code.as_str() != "200")
                            .map(|(code, k)| format!("{k}×{code}"))
                            .collect()
                    })
                    .unwrap_or_default();
                let extra = if codes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", codes.join(" "))
                };
                format!(
                    "{n}{extra}, {}",
                    thousands(st.route_bytes.get(r.as_str()).copied().unwrap_or(0))
                )
            }
        };
        row(
            &format!("  {r} (calls, bytes)"),
            &cell(&seed.stats),
            &cell(&page.stats),
        );
    }
    row(
        "non-download bytes (API)",
        &thousands(seed.stats.api_bytes),
        &thousands(page.stats.api_bytes),
    );
    row(
        "download bytes",
        &thousands(seed.stats.download_bytes),
        &thousands(page.stats.download_bytes),
    );
    row(
        "static bytes (the page itself)",
        &thousands(seed.stats.static_bytes),
        &thousands(page.stats.static_bytes),
    );
    row(
        "peak concurrent API calls",
        &seed.stats.peak_concurrency.to_string(),
        &page.stats.peak_concurrency.to_string(),
    );
    let per = |n: u64| {
        format!(
            "{n} / {} = {:.2}",
            expected,
            n as f64 / expected.max(1) as f64
        )
    };
    row(
        "downloads / unique files",
        &per(seed.stats.count("file/download")),
        &per(page.stats.count("file/download")),
    );
    row(
        "files collected",
        &format!("{} .cart", seed.files.len()),
        &format!("{} .cart in the zip", ours.len()),
    );
    row(
        "zip",
        "",
        &format!(
            "{} bytes, +{}",
            thousands(page.zip.size),
            page.zip.other_entries.join(", ")
        ),
    );
}

/// Prints the zip's checks and the file sets compared; returns (same file set as the seed,
/// every missing blob listed among the manifest's failures).
fn print_checks(
    seed: &SeedRun,
    pages: &PageRuns,
    want: &Expected,
    ours: &BTreeSet<String>,
    failures: &[(String, String)],
) -> (bool, bool) {
    let (good, bad) = (pages.good, pages.bad.clone());
    let (missing, downloadable) = (&want.missing, &want.downloadable);
    println!();
    println!(
        "  zip entries that decode (cart_container) to their sha256: {good} / {}{}",
        ours.len(),
        if bad.is_empty() {
            String::new()
        } else {
            format!("; bad: {}", list(&bad.into_iter().collect()))
        }
    );
    for (what, reason) in failures {
        println!("  AL Collector manifest.json failure: {what} — {reason}");
    }
    let seed_failed: Vec<&str> = seed
        .stderr
        .lines()
        .filter(|l| l.starts_with("download failed: "))
        .collect();
    for l in &seed_failed {
        println!("  seed: {l}");
    }
    let same = &seed.files == ours;
    if same {
        println!(
            "  file sets: identical ({} files); expected (mock data, less missing blobs): {}",
            ours.len(),
            if ours == downloadable {
                "identical"
            } else {
                "DIFFERENT"
            }
        );
    } else {
        println!(
            "  file sets differ: only the seed has {{{}}}; only AL Collector has {{{}}}",
            list(&seed.files.difference(ours).cloned().collect()),
            list(&ours.difference(&seed.files).cloned().collect())
        );
    }
    let failed_shas: BTreeSet<String> = failures.iter().map(|f| f.0.clone()).collect();
    let missing_listed = missing.is_subset(&failed_shas);
    println!(
        "  missing blobs ({}) listed in manifest.json failures: {}",
        missing
            .iter()
            .map(|s| short(s))
            .collect::<Vec<_>>()
            .join(", "),
        if missing_listed { "yes" } else { "NO" }
    );

    (same, missing_listed)
}

fn print_targets(
    seed: &SeedRun,
    pages: &PageRuns,
    want: &Expected,
    ours: &BTreeSet<String>,
    same: bool,
    missing_listed: bool,
) {
    let (page, wider) = (&pages.page, &pages.wider);
    let (expected, missing) = (&want.expected, &want.missing);
    println!();
    println!("  Targets (figures, not assertions)");
    let speedup = seed.wall.as_secs_f64() / page.wall.as_secs_f64().max(1e-9);
    println!(
        "  [{}] AL Collector >= 5x faster: {speedup:.1}x ({} vs {})",
        verdict(speedup >= 5.0),
        secs(seed.wall),
        secs(page.wall)
    );
    if let Some((n, run)) = wider {
        let speedup = seed.wall.as_secs_f64() / run.wall.as_secs_f64().max(1e-9);
        println!(
            "  [info] with \"Parallel calls\" {n} (Server tab; the default is 4): {speedup:.1}x \
             ({} vs {}), {} files in the zip, {} downloads",
            secs(seed.wall),
            secs(run.wall),
            run.zip.carts.len(),
            run.stats.count("file/download")
        );
    }
    let ratio = page.stats.api_bytes as f64 / seed.stats.api_bytes.max(1) as f64;
    println!(
        "  [{}] non-download bytes <= 1/5 of the seed's: {:.3} ({} vs {} bytes; 1/{:.0})",
        verdict(ratio <= 0.2),
        ratio,
        thousands(page.stats.api_bytes),
        thousands(seed.stats.api_bytes),
        1.0 / ratio.max(1e-9)
    );
    let downloads = page.stats.count("file/download");
    println!(
        "  [{}] exactly one download per unique file: {downloads} downloads for {} files (seed: {})",
        verdict(downloads == expected.len() as u64),
        expected.len(),
        seed.stats.count("file/download")
    );
    println!(
        "  [{}] same file set as the seed: {}",
        verdict(same && missing_listed),
        if same {
            format!(
                "{} files, and the {} missing blob(s) in manifest.json",
                ours.len(),
                missing.len()
            )
        } else {
            "see the difference above".to_string()
        }
    );
}

fn print_progress(page: &PageRun) {
    println!();
    println!("  AL Collector progress when the scan completed:");
    for l in page.scan_text.lines().filter(|l| !l.trim().is_empty()) {
        println!("    | {l}");
    }
    println!("  … and after the save:");
    for l in page.final_text.lines().filter(|l| !l.trim().is_empty()) {
        println!("    | {l}");
    }
}
