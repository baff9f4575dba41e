//! Memory: AL Collector bundles ≥ 2 GB of incompressible files (the mock's `bulk` option)
//! while the page's WASM memory size is sampled from its `.wasm-memory` element.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use al_e2e::mock_al::{self, Config};
use al_e2e::mock_control::{downloading, reset_stats, zips};
use al_e2e::Harness;

use super::{
    alert_text, chrome_downloads, connect_and_open_collect, js, js_heap_bytes, mb, progress_text,
    secs, thousands, use_blob_download, verdict, wasm_bytes, zip_out, Opts, Stats, Zip,
    BULK_FILE_BYTES, MIB, WASM_TARGET_BYTES,
};

pub(crate) async fn memory(opts: &Opts) -> Result<(), String> {
    let target = (opts.memory_gb * (1u64 << 30) as f64) as u64;
    let files = (target.div_ceil(BULK_FILE_BYTES as u64)).max(1) as usize;
    let content = files as u64 * BULK_FILE_BYTES as u64;
    println!();
    println!(
        "== Memory: AL Collector bundling {files} files x {} = {} ({:.2} GB) of incompressible content",
        mb(BULK_FILE_BYTES as u64),
        mb(content),
        content as f64 / 1e9
    );
    let prep = Instant::now();
    let s = Harness::start(Config {
        latency_ms: opts.latency_ms,
        submissions: 0,
        bulk: Some((files, BULK_FILE_BYTES)),
        ..Config::default()
    })
    .await;
    println!(
        "  mock ready in {} (content generated, cART prepared once)",
        secs(prep.elapsed())
    );
    let bulk = s.server.dataset().bulk_sha256s();
    connect_and_open_collect(&s, None).await;
    s.fill("Query", mock_al::BULK_QUERY).await;
    let keeper = if opts.memory_only {
        s.hide_scratch_files().await;
        "Blob parts in memory (OPFS hidden from the page)"
    } else {
        "a scratch file in the origin private file system"
    };
    println!("  the zip is kept in: {keeper}");
    let baseline = wasm_bytes(&s).await;
    reset_stats(s.server.addr).await;
    // Long tasks and event-loop lag on the page's main thread while gigabytes go through.
    js(&s, super::scale::PROBES).await;

    let mut run = sample_until_saved(&s, baseline).await?;
    let end = read_the_end(&s, &mut run).await?;
    s.finish().await;

    if run.unticked {
        println!(
            "  note: the page ticked \"Save straight to a file on disk\" (set > 1 GB); the \
             benchmark unticked it to measure the download the page makes itself"
        );
    }
    println!(
        "  scan: \"Scan complete\" after {}",
        run.scan.map_or("-".into(), secs)
    );
    println!(
        "  the page said \"Zip saved\" at {}",
        run.saved.map_or("-".into(), secs)
    );
    println!(
        "  served: {} download calls, {} download bytes, {} other API bytes",
        end.stats.count("file/download"),
        thousands(end.stats.download_bytes),
        thousands(end.stats.api_bytes)
    );
    let (zip_size, complete) = print_zip(&run, &end, &bulk, content);
    print_memory(&run, &end, baseline);
    print_targets(&run, &end, baseline, content, zip_size, complete);
    Ok(())
}

/// What the page did from the click on Find files until its zips were on disk.
struct Sampled {
    wall: Duration,
    scan: Option<Duration>,
    saved: Option<Duration>,
    /// The benchmark unticked "Save straight to a file on disk".
    unticked: bool,
    peak_wasm: u64,
    peak_js: u64,
    samples: usize,
    /// (seconds since the click, WASM memory bytes)
    series: Vec<(f64, u64)>,
    zip_path: Vec<PathBuf>,
}

/// Clicks Find files, then Download zip once the scan completes, sampling memory every
/// 250 ms until the page's zips are on disk (or Chrome wrote nothing for 30 s).
/// `baseline`: the WASM memory size before the click.
async fn sample_until_saved(s: &Harness, baseline: Option<u64>) -> Result<Sampled, String> {
    let deadline = Instant::now() + Duration::from_secs(45 * 60);
    let started = Instant::now();
    s.click_button("Find files").await;
    let mut peak_wasm = baseline.unwrap_or(0);
    let mut peak_js = 0u64;
    let mut samples = 0usize;
    let mut series: Vec<(f64, u64)> = Vec::new();
    let mut scan = None;
    let mut saved = None;
    let mut quiet_since = Instant::now();
    let mut unticked = false;
    let zip_path = loop {
        if let Some(b) = wasm_bytes(s).await {
            peak_wasm = peak_wasm.max(b);
            samples += 1;
            series.push((started.elapsed().as_secs_f64(), b));
        }
        if let Some(j) = js_heap_bytes(s).await {
            peak_js = peak_js.max(j);
        }
        if scan.is_none() {
            if progress_text(s).await.contains("Scan complete") {
                scan = Some(started.elapsed());
                unticked = use_blob_download(s).await;
                s.click_button("Download zip").await;
            }
        } else {
            if saved.is_none() && zip_out(&progress_text(s).await) {
                saved = Some(started.elapsed());
            }
            if downloading(&s.downloads) {
                quiet_since = Instant::now();
            }
            // The run is over: every zip the page saved (parts included) should be on disk.
            if let Some(listed) = s.download_over().await {
                let done = zips(&s.downloads);
                if !downloading(&s.downloads)
                    && (done.len() >= listed || quiet_since.elapsed() > Duration::from_secs(30))
                {
                    // Fewer than listed: Chrome wrote nothing for 30 s; the report says so.
                    break done;
                }
            } else {
                quiet_since = Instant::now();
            }
        }
        if Instant::now() > deadline {
            return Err(format!(
                "no zip after 45 min; progress: {:?}",
                progress_text(s).await
            ));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    Ok(Sampled {
        wall: started.elapsed(),
        scan,
        saved,
        unticked,
        peak_wasm,
        peak_js,
        samples,
        series,
        zip_path,
    })
}

/// What is read once the run is over.
struct End {
    after: Option<u64>,
    last_text: String,
    page_alert: String,
    stats: Stats,
    /// chrome://downloads, read only when no zip reached the disk.
    downloads_page: Vec<String>,
    zip: Option<Zip>,
}

/// Reads the settled memory, the page's last words, the mock's stats and the zip parts
/// (removed from disk once read); prints the parts and the main thread's figures.
async fn read_the_end(s: &Harness, run: &mut Sampled) -> Result<End, String> {
    let addr = s.server.addr;
    let zip_path = &run.zip_path;
    // WebAssembly memory only grows, so the last reading is the peak; read it once settled.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = wasm_bytes(s).await;
    if let Some(b) = after {
        run.peak_wasm = run.peak_wasm.max(b);
    }
    let last_text = progress_text(s).await;
    let page_alert = alert_text(s).await;
    let stats = Stats::read(addr).await;
    let downloads_page = if zip_path.is_empty() {
        chrome_downloads(s).await
    } else {
        vec![]
    };
    let parts = zip_path
        .iter()
        .map(|p| Zip::read(p))
        .collect::<Result<Vec<Zip>, String>>()?;
    for p in zip_path {
        let _ = std::fs::remove_file(p);
    }
    for part in &parts {
        println!(
            "  zip part on disk: {} ({} bytes, {} .cart entries)",
            part.path.file_name().unwrap_or_default().to_string_lossy(),
            thousands(part.size),
            part.carts.len()
        );
    }
    let zip = Zip::merge(parts);
    if !page_alert.trim().is_empty() {
        println!("  the page's alert: {}", page_alert.trim());
    }
    let probe = js(s, "return window.__probe").await;
    let byte_work = js(
        s,
        "return [...document.querySelectorAll('.byte-work')].map(p => p.textContent).join(' ')",
    )
    .await;
    println!(
        "  main thread: longest task {:.0} ms (target <= 100), longest probe wait {:.0} ms \
         (a click waits that long; target < 250), JS heap peak {:.1} MiB (probe)",
        probe["longest"].as_f64().unwrap_or(-1.0),
        probe["lag"].as_f64().unwrap_or(-1.0),
        probe["heap"].as_f64().unwrap_or(0.0) / (1 << 20) as f64
    );
    println!("  byte work: {}", byte_work.as_str().unwrap_or_default());
    Ok(End {
        after,
        last_text,
        page_alert,
        stats,
        downloads_page,
        zip,
    })
}

/// Prints what reached the disk; returns (zip bytes, same set as the bulk submission).
fn print_zip(run: &Sampled, end: &End, bulk: &BTreeSet<String>, content: u64) -> (u64, bool) {
    let (wall, saved) = (run.wall, run.saved);
    let (zip, page_alert, downloads_page) = (&end.zip, &end.page_alert, &end.downloads_page);
    match zip {
        Some(zip) => {
            let ours: BTreeSet<String> = zip.carts.keys().cloned().collect();
            let cart_bytes: u64 = zip.carts.values().sum();
            println!(
                "  time from Find files to the zip on disk: {} ({:.0} MB/s of content)",
                secs(wall),
                content as f64 / 1e6 / wall.as_secs_f64().max(1e-9)
            );
            println!(
                "  zip on disk: {} bytes ({}), {} .cart entries ({} bytes of cART) + {}",
                thousands(zip.size),
                mb(zip.size),
                ours.len(),
                thousands(cart_bytes),
                zip.other_entries.join(", ")
            );
            println!(
                "  same set as the bulk submission: {}{}",
                if &ours == bulk { "yes" } else { "NO" },
                if zip.failures().is_empty() {
                    String::new()
                } else {
                    format!("; manifest failures: {:?}", zip.failures())
                }
            );
            (zip.size, &ours == bulk)
        }
        None if saved.is_none() => {
            println!(
                "  NO ZIP ON DISK: {} after clicking Find files the page reported instead: {}",
                secs(wall),
                page_alert
            );
            (0, false)
        }
        None => {
            println!(
                "  NO ZIP ON DISK: {} after clicking Find files the page had said \"Zip saved\", \
                 but Chrome wrote nothing for 30 s. chrome://downloads: {}",
                secs(wall),
                if downloads_page.is_empty() {
                    "(nothing listed)".to_string()
                } else {
                    downloads_page.join(" | ")
                }
            );
            (0, false)
        }
    }
}

fn print_memory(run: &Sampled, end: &End, baseline: Option<u64>) {
    let (peak_wasm, peak_js, samples, series) =
        (run.peak_wasm, run.peak_js, run.samples, &run.series);
    let after = end.after;
    match baseline {
        Some(b) => println!(
            "  WASM memory: {} before, peak {} over {samples} samples (every 250 ms), {} after",
            mb(b),
            mb(peak_wasm),
            after.map_or("-".into(), mb)
        ),
        None => println!("  WASM memory: the page shows no .wasm-memory element"),
    }
    if peak_js > 0 {
        println!(
            "  JS heap (performance.memory.usedJSHeapSize) peak: {}",
            mb(peak_js)
        );
    }
    let gap = series
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .fold(0.0, f64::max);
    println!(
        "  longest wait for a sample: {gap:.1} s (the page's main thread answers WebDriver only \
         between its tasks; WebAssembly memory never shrinks, so the last reading is the peak)"
    );
    let step = (series.len() / 12).max(1);
    let trace: Vec<String> = series
        .iter()
        .step_by(step)
        .map(|(t, b)| format!("{t:.0}s {:.0}", *b as f64 / MIB as f64))
        .collect();
    println!("  WASM MiB over time: {}", trace.join(", "));
}

fn print_targets(
    run: &Sampled,
    end: &End,
    baseline: Option<u64>,
    content: u64,
    zip_size: u64,
    complete: bool,
) {
    let (peak_wasm, saved) = (run.peak_wasm, run.saved);
    let (zip, downloads_page, last_text) = (&end.zip, &end.downloads_page, &end.last_text);
    println!("  Target (a figure, not an assertion)");
    let on_disk = complete && zip_size >= content;
    println!(
        "  [{}] WASM heap < 128 MB while bundling {:.2} GB: peak {} (the page wrote the whole \
         bundle through its zip sink{})",
        verdict(baseline.is_some() && peak_wasm < WASM_TARGET_BYTES && saved.is_some()),
        content as f64 / 1e9,
        mb(peak_wasm),
        if saved.is_some() {
            ""
        } else {
            "? it never said \"Zip saved\""
        }
    );
    println!(
        "  [{}] the {:.2} GB set reaches the disk through <a download>, every file in one of its zip parts: {}",
        verdict(on_disk),
        content as f64 / 1e9,
        if zip.is_some() {
            format!("{} on disk", mb(zip_size))
        } else {
            format!(
                "nothing on disk ({})",
                if downloads_page.is_empty() {
                    "chrome://downloads lists nothing".to_string()
                } else {
                    downloads_page.join(" | ")
                }
            )
        }
    );
    println!("  progress at the end:");
    for l in last_text.lines().filter(|l| !l.trim().is_empty()) {
        println!("    | {l}");
    }
}
