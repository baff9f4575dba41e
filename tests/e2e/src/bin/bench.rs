//! The benchmark driver behind `scripts/bench.sh`. Prints figures; asserts nothing.
//!
//! Speed: the seed exercise-2 script (Python, official `assemblyline-client`) and AL Collector
//! (the built page in headless Chromium) collect the same files from one mock Assemblyline
//! server (20 ms per API call, 250 submissions); for both: wall time, calls per route, bytes
//! (downloads apart), downloads per unique file, and the file sets compared.
//!
//! Memory: AL Collector bundles ≥ 2 GB of incompressible files (the mock's `bulk` option) while
//! the page's WASM memory size is sampled every 250 ms from its `.wasm-memory` element.
//!
//! Page: page weight, time to interactive, IoC view responsiveness with
//! BENCH_IOC_VALUES (10,000) values; see `bench/page.rs`.
//!
//! Scale: thousands of submissions and files, one click and two steps; see `bench/scale.rs`
//! (BENCH_SCALE picks the workloads).
//!
//! Environment: BENCH_SUBMISSIONS (250), BENCH_LATENCY_MS (20), BENCH_MEMORY_GB (2; 0 skips the
//! memory part), BENCH_SPEED (1; 0 skips the speed part), BENCH_PARALLEL (8: one more page run
//! with that "Parallel calls" setting; 0 skips it), BENCH_MEMORY_KEEPER (scratch: the zip goes
//! through an OPFS scratch file, as in Chromium and Firefox; memory: OPFS hidden from the page,
//! as in browsers without it), BENCH_PYTHON (the venv's python), AL_DIST (the built page),
//! BENCH_PAGE_PROFILE (a folder for the CPU profile of the page part's slowest IoC step).

use std::path::PathBuf;
use std::process::ExitCode;

#[path = "bench/browse.rs"]
mod browse;
#[path = "bench/cpu_profile.rs"]
mod cpu_profile;
#[path = "bench/h2.rs"]
mod h2;
#[path = "bench/iocs.rs"]
mod iocs;
#[path = "bench/memory.rs"]
mod memory;
#[path = "bench/page.rs"]
mod page;
#[path = "bench/report.rs"]
mod report;
#[path = "bench/scale.rs"]
mod scale;
#[path = "bench/seed.rs"]
mod seed;
#[path = "bench/speed.rs"]
mod speed;
#[path = "bench/stats.rs"]
mod stats;
#[path = "bench/zips.rs"]
mod zips;

use browse::{
    alert_text, chrome_downloads, connect_and_open_collect, field_value, finished_zip, js,
    js_heap_bytes, progress_text, respond, set_value, use_blob_download, wasm_bytes, zip_out,
    HIDDEN,
};
use memory::memory;
use report::{list, mb, row, secs, short, thousands, verdict};
use seed::{python_startup, run_seed};
use speed::speed;
use stats::Stats;
use zips::Zip;

const THRESHOLD: i64 = 7000;
const MIB: u64 = 1 << 20;
/// AL's largest file (`submission.max_file_size`): the bulk files are this big.
const BULK_FILE_BYTES: usize = 100 << 20;
const WASM_TARGET_BYTES: u64 = 128 * MIB;

struct Opts {
    submissions: usize,
    latency_ms: u64,
    memory_gb: f64,
    speed: bool,
    /// IoC values for the page part (0 skips it).
    ioc_values: usize,
    /// "Parallel calls" for the extra page run; the measured run keeps the page's default.
    parallel: usize,
    memory_only: bool,
    python: PathBuf,
    scripts: PathBuf,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a valid value")),
        _ => default,
    }
}

impl Opts {
    fn from_env() -> Opts {
        let root = al_e2e::repo_root();
        Opts {
            submissions: env_or("BENCH_SUBMISSIONS", 250),
            latency_ms: env_or("BENCH_LATENCY_MS", 20),
            memory_gb: env_or("BENCH_MEMORY_GB", 2.0),
            speed: env_or("BENCH_SPEED", 1u8) != 0,
            ioc_values: env_or("BENCH_IOC_VALUES", 10_000),
            parallel: env_or("BENCH_PARALLEL", 8),
            memory_only: std::env::var("BENCH_MEMORY_KEEPER").is_ok_and(|k| k == "memory"),
            python: std::env::var_os("BENCH_PYTHON")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join(".tools/bench-venv/bin/python")),
            scripts: root.join("scripts/bench"),
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let opts = Opts::from_env();
    let mut failed = false;
    if iocs::wanted() {
        if let Err(e) = iocs::run().await {
            eprintln!("IoC benchmark could not run: {e}");
            failed = true;
        }
    }
    if opts.ioc_values > 0 {
        if let Err(e) = page::page(&al_e2e::dist_dir(), opts.ioc_values).await {
            eprintln!("page benchmark could not run: {e}");
            failed = true;
        }
    }
    if let Err(e) = scale::scale(&opts).await {
        eprintln!("scale benchmark could not run: {e}");
        failed = true;
    }
    if opts.speed {
        if let Err(e) = speed(&opts).await {
            eprintln!("speed benchmark could not run: {e}");
            failed = true;
        }
    }
    if opts.memory_gb > 0.0 {
        if let Err(e) = memory(&opts).await {
            eprintln!("memory benchmark could not run: {e}");
            failed = true;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
