//! A mock Assemblyline 4 REST API for AL Collector: the endpoints the collector and the two seed
//! exercises use, with response shapes read from the Assemblyline source, real cART downloads,
//! quotas and injectable faults. All data is derived from one deterministic store.

mod app;
mod auth;
mod builder;
mod bulk;
mod cart;
mod content;
mod data;
mod faults;
mod gen;
mod handlers;
mod ioc_bulk;
mod query;
mod quota;
mod render;
mod routes;
mod samples;
mod search;
mod semantics;
mod statics;
mod stats;
mod stored_cart;
mod summary;
mod util;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use app::VERSION;
pub use auth::{demo_users, DemoUser};
pub use bulk::{BULK_FILE_SCORE, BULK_QUERY};
pub use data::Dataset;
pub use ioc_bulk::{IOC_MANY_QUERY, IOC_QUERY};
pub use samples::{
    IDN_DOMAIN, IPV6, RTL_NAME, RTL_URI, SAFELISTED_DOMAIN, SHARED_DOMAIN, UNICODE_NAME, XSS_URI,
};
pub use stored_cart::STORED_CART_QUERY;

/// Labels of the hand-made submissions, for `Dataset::sample_sid`.
pub const SAMPLE_LABELS: [&str; 11] = [
    "invoice",
    "dropper",
    "unicode",
    "xss",
    "partial",
    "missing-blob",
    "negative",
    "all-empty",
    "deep",
    "resubmit",
    "almost",
];

#[derive(Clone, Debug)]
pub struct Config {
    /// Static files served at `/` (index.html for `/`), same origin as `/api/`.
    pub dist: Option<PathBuf>,
    /// Added to every API call; held inside the concurrency slot.
    pub latency_ms: u64,
    /// Share of API calls answered with an nginx HTML 502 (0..1), drawn from a seeded sequence.
    pub fault_rate: f64,
    /// Concurrent API calls per user (0 = unlimited).
    pub quota: usize,
    /// Daily API calls per user (0 = off).
    pub daily_quota: u64,
    /// Total submissions; at least the hand-made ones, the rest generated from `seed`.
    pub submissions: usize,
    pub seed: u64,
    /// Memory benchmark: one more submission (query `BULK_QUERY`) extracting this many
    /// (files, bytes each) incompressible files, each scoring 8000 (see `bulk.rs`).
    pub bulk: Option<(usize, usize)>,
    /// IoC benchmark: one more submission (query `IOC_QUERY`) with this many distinct network
    /// values (see `ioc_bulk.rs`).
    pub ioc_values: Option<usize>,
    /// Collections shaped like a month of high-score samples: the generated submissions each
    /// extract several files, about this many of which score >= 7000 (see `gen::generate_wide`).
    /// None keeps the classic shape (about one qualifying file per eight submissions).
    pub qualifying_per_submission: Option<f64>,
    /// One more submission (query `STORED_CART_QUERY`) extracting a file Assemblyline stores
    /// as a cART (see `stored_cart.rs`).
    pub stored_cart: bool,
    /// IoC benchmark at scale: this many more submissions (query `IOC_MANY_QUERY`), each with
    /// about a dozen network values (see `ioc_bulk.rs`).
    pub ioc_submissions: Option<usize>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dist: None,
            latency_ms: 0,
            fault_rate: 0.0,
            quota: 10,
            daily_quota: 0,
            submissions: 40,
            seed: 7,
            bulk: None,
            ioc_values: None,
            qualifying_per_submission: None,
            stored_cart: false,
            ioc_submissions: None,
        }
    }
}

/// Builds the store every endpoint is derived from. Deterministic for a given config.
pub fn dataset(config: &Config) -> Dataset {
    let mut store = data::Store {
        files: BTreeMap::new(),
        seed: 0,
    };
    let samples = samples::build(&mut store);
    let hand_made = samples.submissions.len();
    store.seed = config.seed;
    let count = config.submissions.saturating_sub(hand_made);
    let generated = match config.qualifying_per_submission {
        Some(per) => gen::generate_wide(&mut store, count, config.seed, per),
        None => gen::generate(&mut store, count, config.seed),
    };
    let mut subs = samples.submissions;
    subs.extend(generated);
    let bulk = config.bulk.map(|(files, bytes_each)| {
        let (sub, bulk) = bulk::build(&mut store, files, bytes_each, config.seed);
        subs.push(sub);
        bulk
    });
    if let Some(values) = config.ioc_values {
        subs.push(ioc_bulk::build(&mut store, values, config.seed));
    }
    if config.stored_cart {
        subs.push(stored_cart::build(&mut store, config.seed));
    }
    if let Some(count) = config.ioc_submissions {
        subs.extend(ioc_bulk::build_many(&mut store, count, config.seed));
    }
    let mut ds = Dataset::new(store.files, subs, samples.files, hand_made);
    ds.bulk = bulk.unwrap_or_default();
    ds
}

impl Dataset {
    /// `GET /submission/<sid>/`
    pub fn submission_json(&self, sid: &str) -> Option<serde_json::Value> {
        self.submission(sid)
            .map(|s| render::record_with_sizes(self, s))
    }

    /// `GET /submission/full/<sid>/`
    pub fn submission_full_json(&self, sid: &str) -> Option<serde_json::Value> {
        self.submission(sid).map(|s| render::full(self, s))
    }

    /// `GET /submission/tree/<sid>/`
    pub fn tree_json(&self, sid: &str) -> Option<serde_json::Value> {
        self.submission(sid).map(|s| render::tree(self, s))
    }

    /// `GET /submission/summary/<sid>/`
    pub fn summary_json(&self, sid: &str) -> Option<serde_json::Value> {
        self.submission(sid).map(|s| summary::summary(self, s))
    }

    /// `GET /ontology/submission/<sid>/` without filters.
    pub fn ontology_ndjson(&self, sid: &str) -> Option<String> {
        self.submission(sid)
            .map(|s| summary::ontology(self, s, &[], &[]))
    }

    /// Per-file scores of a submission (sum of its results), as the tree reports them.
    pub fn file_scores(&self, sid: &str) -> Option<BTreeMap<String, i64>> {
        self.submission(sid).map(|s| s.file_scores())
    }

    /// The submission's `max_score` field.
    pub fn max_score(&self, sid: &str) -> Option<i64> {
        self.submission(sid).map(|s| s.max_score())
    }
}

pub struct MockServer {
    pub addr: SocketAddr,
    dataset: Arc<Dataset>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl MockServer {
    /// `http://127.0.0.1:PORT/`
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// Stops accepting, lets in-flight requests finish, and waits for the server task.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Builds the dataset, spawns the server on the current tokio runtime and returns at once.
pub async fn start(listener: TcpListener, config: Config) -> std::io::Result<MockServer> {
    let addr = listener.local_addr()?;
    let ds = Arc::new(dataset(&config));
    let records = ds
        .submissions
        .iter()
        .map(|s| render::record_with_sizes(&ds, s))
        .collect();
    let runtime = faults::Runtime {
        latency_ms: config.latency_ms,
        fault_rate: config.fault_rate,
        quota: config.quota,
        daily_quota: config.daily_quota,
        ..Default::default()
    };
    let state = Arc::new(app::App {
        ds: ds.clone(),
        records,
        seed: config.seed,
        dist: config.dist.clone(),
        rt: Mutex::new(runtime),
        stats: Mutex::default(),
        quota: Arc::default(),
        sessions: auth::Sessions::default(),
        carts: cart::CartCache::default(),
        fault_n: AtomicU64::new(0),
    });
    let router = axum::Router::new()
        .fallback(routes::dispatch)
        .with_state(state);
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        // As nginx in front of a real Assemblyline (`tcp_nodelay on` by default): without it a
        // streamed answer's second write can wait for the client's delayed ACK (Nagle),
        // which would add tens of milliseconds to calls no real server makes wait.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let _ = axum::serve(listener, service)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(MockServer {
        addr,
        dataset: ds,
        shutdown: Some(tx),
        task: Some(task),
    })
}
