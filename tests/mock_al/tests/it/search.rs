//! `/search/submission/`: query syntax, fl, sort, paging and errors.

use std::collections::BTreeSet;

use mock_al::Config;
use serde_json::{json, Value};

use crate::client::Mock;

fn sids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sid"].as_str().unwrap().to_string())
        .collect()
}

async fn count(m: &Mock, q: &str) -> usize {
    let r = m.search(q, "&rows=1000&fl=sid").await;
    assert_eq!(r.status, 200, "{q}: {}", r.error());
    r.data()["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn query_syntax() {
    let m = Mock::start(Config::default()).await;
    let ds = m.server.dataset();
    let all = ds.sids().len();
    let scores: Vec<i64> = ds.sids().iter().map(|s| ds.max_score(s).unwrap()).collect();
    let n = |f: &dyn Fn(i64) -> bool| scores.iter().filter(|&&s| f(s)).count();
    assert_eq!(count(&m, "*").await, all);
    assert_eq!(count(&m, "*:*").await, all);
    assert_eq!(count(&m, "max_score:>=7000").await, n(&|s| s >= 7000));
    assert_eq!(count(&m, "max_score:>7000").await, n(&|s| s > 7000));
    assert_eq!(count(&m, "max_score:<7000").await, n(&|s| s < 7000));
    assert_eq!(count(&m, "max_score:<=7000").await, n(&|s| s <= 7000));
    assert_eq!(count(&m, "max_score:7000").await, n(&|s| s == 7000));
    assert_eq!(
        count(&m, "max_score:[1000 TO 7000]").await,
        n(&|s| (1000..=7000).contains(&s))
    );
    assert_eq!(
        count(&m, "max_score:{1000 TO 7000}").await,
        n(&|s| s > 1000 && s < 7000)
    );
    assert_eq!(count(&m, "max_score:[7000 TO *]").await, n(&|s| s >= 7000));
    assert_eq!(count(&m, "max_score:[* TO 0]").await, n(&|s| s <= 0));
    assert_eq!(count(&m, "state:submitted AND max_score:>=7000").await, 1 + count(&m, "state:submitted AND max_score:>=7000 AND NOT params.description:\"sample-in-progress\"").await);
    assert_eq!(count(&m, "params.description:\"invoice.zip\"").await, 2);
    assert_eq!(count(&m, "files.name:\"batch 2026-07 отчёт.zip\"").await, 1);
    assert_eq!(
        count(&m, "params.submitter:analyst AND max_score:>=0").await,
        count(&m, "params.submitter:analyst").await
    );
    assert_eq!(count(&m, "nosuchfield:1").await, 0);
    let sid = ds.sample_sid("xss").unwrap();
    assert_eq!(count(&m, &format!("sid:{sid}")).await, 1);
    assert_eq!(
        count(&m, "times.submitted:[2026-07-01T00:00:00Z TO *]").await,
        11
    );
    assert_eq!(count(&m, "times.submitted:<now+3650d").await, all);

    let empty = m.search("", "").await;
    assert_eq!(
        (empty.status, empty.error()),
        (400, "There was no search query.".to_string())
    );
    for bad in [
        "max_score:>=",
        "max_score:[1 TO",
        "(max_score:1",
        "sid:\"open",
        "http://x.com/",
        "max_score:>=abc",
        "a:b^2",
    ] {
        let r = m.search(bad, "").await;
        assert_eq!(r.status, 400, "{bad}");
        assert!(
            r.error().starts_with("SearchException: "),
            "{bad}: {}",
            r.error()
        );
    }
}

#[tokio::test]
async fn fl_sort_and_window() {
    let m = Mock::start(Config::default()).await;
    let r = m
        .search("*", "&fl=sid,max_score,times.submitted&rows=3")
        .await;
    let items = r.data()["items"].clone();
    let first = &items[0];
    assert_eq!(first.as_object().unwrap().len(), 3, "{first}");
    assert!(first["times"]["submitted"].is_string() && first.get("id").is_none());
    let default = m.search("*", "&rows=2").await.data();
    assert_eq!(default["rows"], 2);
    assert_eq!(default["offset"], 0);
    assert_eq!(default["items"][0]["id"], default["items"][0]["sid"]);
    assert!(
        default["items"][0]["params"]["submitter"].is_string()
            && default["items"][0].get("results").is_none()
    );
    let files = m.search("*", "&fl=files.sha256&rows=1").await.data();
    assert!(files["items"][0]["files"][0]["sha256"].is_string());

    // Default sort: newest first.
    let dates: Vec<String> = m.search("*", "&fl=times.submitted&rows=50").await.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["times"]["submitted"].as_str().unwrap().to_string())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]));
    let by_score = m
        .search("*", "&fl=max_score&sort=max_score%20asc&rows=50")
        .await
        .data();
    let s: Vec<i64> = by_score["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["max_score"].as_i64().unwrap())
        .collect();
    assert!(s.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(
        m.search("*", "&sort=max_score%20sideways").await.status,
        400
    );

    let big = m.search("*", "&offset=9990&rows=11").await;
    assert_eq!(big.status, 400);
    assert!(big
        .error()
        .starts_with("SearchException: Result window is too large"));
    assert_eq!(
        m.search("*", "&track_total_hits=false").await.data()["total"],
        json!(null)
    );
}

#[tokio::test]
async fn deep_paging_like_the_python_stream() {
    let m = Mock::start(Config {
        submissions: 60,
        ..Config::default()
    })
    .await;
    let mut seen = Vec::new();
    let mut id = "*".to_string();
    let mut calls = 0;
    loop {
        calls += 1;
        let body = json!({"query": "*", "fl": "sid", "rows": "25", "deep_paging_id": id});
        let r = m.post_json("/api/v4/search/submission/", &body).await;
        assert_eq!(r.status, 200, "{}", r.error());
        let d = r.data();
        assert_eq!(d["total"], json!(null));
        let items = sids(&d["items"]);
        seen.extend(items.iter().cloned());
        if items.len() < 25 {
            assert!(d.get("next_deep_paging_id").is_none());
            break;
        }
        id = d["next_deep_paging_id"]
            .as_str()
            .expect("next id")
            .to_string();
        assert!(calls < 10);
    }
    assert_eq!(calls, 3);
    assert_eq!(seen.len(), 60);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 60);
    let plain = m.search("*", "&fl=sid&rows=60").await.data();
    assert_eq!(
        sids(&plain["items"]),
        seen,
        "deep paging keeps the sort order"
    );

    let bad = m
        .post_json(
            "/api/v4/search/submission/",
            &json!({"query": "*", "deep_paging_id": "a,b,c"}),
        )
        .await;
    assert_eq!(bad.status, 500);
    let not_json = crate::client::request(
        m.addr(),
        "POST",
        "/api/v4/search/submission/",
        &[("X-USER", m.user), ("X-APIKEY", m.key)],
        Some(b"query=*"),
    )
    .await;
    assert_eq!(not_json.status, 400);
}
