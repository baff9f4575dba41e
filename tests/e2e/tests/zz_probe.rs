use al_e2e::mock_al::{Config, IOC_MANY_QUERY};
use al_e2e::{user, Session};

#[tokio::test]
async fn probe() {
    let n: usize = std::env::var("PROBE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let s = Session::start(Config {
        ioc_submissions: Some(n),
        ..Config::default()
    })
    .await;
    s.open().await;
    let a = user("analyst");
    s.connect(a.user, a.apikey).await;
    s.wait_text(".identity", "Connected as analyst").await;
    s.open_tab("Network IoCs").await;
    s.fill("Query", IOC_MANY_QUERY).await;
    s.fill("Max submissions", &n.to_string()).await;
    if let Ok(src) = std::env::var("PROBE_SOURCE") {
        s.js(&format!("const el = document.getElementById('ioc-source'); el.value = '{src}'; el.dispatchEvent(new Event('change', {{bubbles: true}}));")).await;
    }
    s.js("window.__long = []; new PerformanceObserver(l => { for (const e of l.getEntries()) window.__long.push([Math.round(e.startTime - (window.__t0||0)), Math.round(e.duration)]); }).observe({type: 'longtask'});").await;
    s.js("performance.clearResourceTimings(); performance.setResourceTimingBufferSize(100000); window.__t0 = performance.now();").await;
    s.click_button("Show IoCs").await;
    s.wait_text(".run-progress", &format!("Loaded {n} of {n}"))
        .await;
    let v = s.js(r#"
      const t1 = performance.now();
      const rs = performance.getEntriesByType('resource').filter(e => e.name.includes('/summary/') || e.name.includes('/ontology/'));
      const d = rs.map(e => e.duration).sort((a,b)=>a-b);
      const wait = rs.map(e => e.responseStart - e.requestStart).sort((a,b)=>a-b);
      const queue = rs.map(e => e.requestStart - e.startTime).sort((a,b)=>a-b);
      const starts = rs.map(e => e.startTime).sort((a,b)=>a-b);
      const ends = rs.map(e => e.responseEnd).sort((a,b)=>a-b);
      // gaps: for each end, time until next start
      let gaps = 0; let busy = 0;
      return {total: t1 - window.__t0, n: rs.length, med: d[d.length>>1], p90: d[Math.floor(d.length*0.9)], medwait: wait[wait.length>>1], medqueue: queue[queue.length>>1],
        first: starts[0] - window.__t0, long: JSON.stringify(window.__long), lastEnd: ends[ends.length-1] - window.__t0, sumdur: d.reduce((a,b)=>a+b,0)};
    "#).await;
    println!("PROBE {v}");
    s.finish().await;
}
