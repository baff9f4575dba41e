//! Deep-paged submission search, shared by the IoC view and the collection: one loop, so
//! the paging rules (POST, `*` first, a short page ends it, an expired cursor restarts) live
//! in one place.

use std::collections::HashSet;

use crate::core::api::{SearchPage, SubmissionHit, SubmissionSearch, PAGE_ROWS};
use crate::core::error::ApiError;
use crate::web::http::{Cancel, Transport};

/// How a search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchEnd {
    pub hits: usize,
    /// True when `cap` stopped it before the server ran out of matches.
    pub capped: bool,
}

/// Restarts after an expired cursor before giving up: each restart re-reads the pages already
/// seen, so a search that keeps expiring is not worth more.
const MAX_RESTARTS: u32 = 3;

/// Hands every submission matching `query` to `on_page`, a page at a time, stopping after
/// `cap` hits when one is given. Pages already handed over stay with the caller on error.
/// The archive is searched too when the transport says so (Server tab, "Include archive").
pub async fn each_submission(
    transport: &Transport,
    query: &str,
    cap: Option<usize>,
    cancel: &Cancel,
    mut on_page: impl FnMut(&[SubmissionHit]),
) -> Result<SearchEnd, ApiError> {
    let search = SubmissionSearch {
        query: query.to_string(),
        use_archive: transport.use_archive(),
    };
    let mut paging_id = "*".to_string();
    let mut hits = 0usize;
    // Every sid handed over, so a restarted search skips them.
    let mut seen: HashSet<String> = HashSet::new();
    let mut restarts = 0;
    loop {
        let call = transport.server.search_submissions(&search, &paging_id);
        let page: SearchPage<SubmissionHit> = match transport.json(call, cancel).await {
            Ok(page) => page,
            // The cursor lives 5 minutes between pages; a long back-off outlives it. Start
            // again from the top and skip what was already handed over.
            Err(e) if paging_id != "*" && e.is_expired_cursor() && restarts < MAX_RESTARTS => {
                restarts += 1;
                paging_id = "*".to_string();
                continue;
            }
            Err(e) => return Err(e),
        };
        let room = cap.map_or(usize::MAX, |c| c.saturating_sub(hits));
        let fresh: Vec<SubmissionHit> = page
            .items
            .iter()
            .filter(|hit| !seen.contains(&hit.sid))
            .cloned()
            .collect();
        let take = fresh.len().min(room);
        seen.extend(fresh[..take].iter().map(|hit| hit.sid.clone()));
        on_page(&fresh[..take]);
        hits += take;
        let next = page.next_page(PAGE_ROWS).map(str::to_string);
        match next {
            Some(_) if take < fresh.len() || cap.is_some_and(|c| hits >= c) => {
                return Ok(SearchEnd { hits, capped: true })
            }
            Some(id) => paging_id = id,
            None => {
                return Ok(SearchEnd {
                    hits,
                    capped: take < fresh.len(),
                })
            }
        }
    }
}
