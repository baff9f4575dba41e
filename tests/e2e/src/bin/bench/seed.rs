//! Running a seed script (Python, official `assemblyline-client`) against the mock: its wall
//! time, calls and the files it saved.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use al_e2e::mock_control::reset_stats;
use al_e2e::user;

use super::{Opts, Stats};

pub(crate) struct SeedRun {
    pub(crate) script: &'static str,
    pub(crate) wall: Duration,
    pub(crate) ok: bool,
    pub(crate) stderr: String,
    pub(crate) files: BTreeSet<String>,
    pub(crate) stats: Stats,
}

pub(crate) async fn run_seed(opts: &Opts, script: &'static str, addr: SocketAddr) -> SeedRun {
    let out = tempdir("seed-out");
    let analyst = user("analyst");
    reset_stats(addr).await;
    let started = Instant::now();
    let output = tokio::process::Command::new(&opts.python)
        .arg(opts.scripts.join(script))
        .env("AL_HOST", addr.to_string())
        .env("AL_USER", analyst.user)
        .env("AL_APIKEY", analyst.apikey)
        .env("BENCH_OUTPUT_DIRECTORY", &out)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", opts.python.display()));
    let wall = started.elapsed();
    let stats = Stats::read(addr).await;
    let files = std::fs::read_dir(&out)
        .map(|d| {
            d.flatten()
                .filter_map(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .strip_suffix(".cart")
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    let _ = std::fs::remove_dir_all(&out);
    SeedRun {
        script,
        wall,
        ok: output.status.success(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        files,
        stats,
    }
}

/// Interpreter start plus `import assemblyline_client`, which the seed's wall time includes.
pub(crate) async fn python_startup(opts: &Opts) -> Option<Duration> {
    let started = Instant::now();
    let status = tokio::process::Command::new(&opts.python)
        .args(["-c", "import assemblyline_client"])
        .status()
        .await
        .ok()?;
    status.success().then(|| started.elapsed())
}

fn tempdir(label: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("al-bench-{label}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
