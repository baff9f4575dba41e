//! Deep-paged submission search, shared by the IoC view and the collection: one loop, so
//! the paging rules (POST, `*` first, a short page ends it) live in one place.

use crate::core::api::{SearchPage, SubmissionHit, PAGE_ROWS, SUBMISSION_HIT_FIELDS};
use crate::core::error::ApiError;
use crate::web::http::{Cancel, Transport};

/// How a search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchEnd {
    pub hits: usize,
    /// True when `cap` stopped it before the server ran out of matches.
    pub capped: bool,
}

/// Hands every submission matching `query` to `on_page`, a page at a time, stopping after
/// `cap` hits when one is given. Pages already handed over stay with the caller on error.
pub async fn each_submission(
    transport: &Transport,
    query: &str,
    cap: Option<usize>,
    cancel: &Cancel,
    mut on_page: impl FnMut(&[SubmissionHit]),
) -> Result<SearchEnd, ApiError> {
    let mut paging_id = "*".to_string();
    let mut hits = 0usize;
    loop {
        let call = transport.server.search_submissions(
            query,
            SUBMISSION_HIT_FIELDS,
            PAGE_ROWS,
            &paging_id,
        );
        let page: SearchPage<SubmissionHit> = transport.json(call, cancel).await?;
        let room = cap.map_or(usize::MAX, |c| c.saturating_sub(hits));
        let take = page.items.len().min(room);
        on_page(&page.items[..take]);
        hits += take;
        let next = page.next_page(PAGE_ROWS).map(str::to_string);
        match next {
            Some(_) if take < page.items.len() || cap.is_some_and(|c| hits >= c) => {
                return Ok(SearchEnd { hits, capped: true })
            }
            Some(id) => paging_id = id,
            None => {
                return Ok(SearchEnd {
                    hits,
                    capped: take < page.items.len(),
                })
            }
        }
    }
}
