//! The mock's call statistics (`/__mock/stats/`), the parts the report uses.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use al_e2e::mock_control::stats;

/// What `/__mock/stats/` says, the parts the report uses.
#[derive(Clone, Debug, Default)]
pub(crate) struct Stats {
    pub(crate) counts: BTreeMap<String, u64>,
    pub(crate) route_bytes: BTreeMap<String, u64>,
    pub(crate) statuses: BTreeMap<String, BTreeMap<String, u64>>,
    pub(crate) api_bytes: u64,
    pub(crate) download_bytes: u64,
    pub(crate) static_bytes: u64,
    pub(crate) peak_concurrency: u64,
}

impl Stats {
    pub(crate) async fn read(addr: SocketAddr) -> Stats {
        let v = stats(addr).await;
        let map = |key: &str| -> BTreeMap<String, u64> {
            v[key]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0)))
                        .collect()
                })
                .unwrap_or_default()
        };
        let statuses = v["statuses"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(route, codes)| {
                        let codes = codes
                            .as_object()
                            .map(|c| {
                                c.iter()
                                    .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0)))
                                    .collect()
                            })
                            .unwrap_or_default();
                        (route.clone(), codes)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Stats {
            counts: map("counts"),
            route_bytes: map("route_bytes"),
            statuses,
            api_bytes: v["bytes"]["api"].as_u64().unwrap_or(0),
            download_bytes: v["bytes"]["download"].as_u64().unwrap_or(0),
            static_bytes: v["bytes"]["static"].as_u64().unwrap_or(0),
            peak_concurrency: map("peak_concurrency").values().copied().max().unwrap_or(0),
        }
    }

    pub(crate) fn count(&self, route: &str) -> u64 {
        self.counts.get(route).copied().unwrap_or(0)
    }

    pub(crate) fn status(&self, route: &str, code: &str) -> u64 {
        self.statuses
            .get(route)
            .and_then(|c| c.get(code))
            .copied()
            .unwrap_or(0)
    }

    /// API calls, static files (the page itself) apart.
    pub(crate) fn api_calls(&self) -> u64 {
        self.counts
            .iter()
            .filter(|(k, _)| k.as_str() != "static")
            .map(|(_, n)| n)
            .sum()
    }
}
