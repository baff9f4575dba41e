//! Pivots from an IoC back into Assemblyline: the result search the official UI opens for a
//! tag (assemblyline-ui-frontend `components/visual/Tag.tsx`, `searchTag`), as a link and as
//! a query to paste. Values are quoted the way that UI quotes them (`helpers/utils.ts`,
//! `safeFieldValue`: in double quotes, `\` and `"` escaped), so any value from malware stays
//! one term.

/// Longest result-search link handed out: long queries are split over several links, each
/// well under what browsers, proxies and Assemblyline's own server accept in a request line.
pub const MAX_LINK: usize = 2_000;

fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The query finding the results that produced `value` as a `tag_type` tag.
pub fn tag_query(tag_type: &str, value: &str) -> String {
    tags_query(tag_type, &[value])
}

/// The results that produced any of `values` as `tag_type` tags, one OR-joined query.
pub fn tags_query(tag_type: &str, values: &[&str]) -> String {
    let field = format!("result.sections.tags.{tag_type}");
    match values {
        [one] => format!("{field}:{}", quoted(one)),
        many => {
            let terms: Vec<String> = many.iter().map(|v| quoted(v)).collect();
            format!("{field}:({})", terms.join(" OR "))
        }
    }
}

/// The official UI's result search for `query` on `origin`; empty when `origin` is not a URL.
pub fn result_search(origin: &str, query: &str) -> String {
    let Ok(mut url) = url::Url::parse(origin) else {
        return String::new();
    };
    url.set_path("/search/result");
    url.query_pairs_mut().clear().append_pair("query", query);
    url.to_string()
}

/// Result-search links for all of `values`: as few as can be, each at most `MAX_LINK` long
/// (a single value too long for one link still gets its own).
pub fn result_search_chunks(origin: &str, tag_type: &str, values: &[&str]) -> Vec<String> {
    let mut links = Vec::new();
    let mut start = 0;
    while start < values.len() {
        let mut end = start + 1;
        let mut link = result_search(origin, &tags_query(tag_type, &values[start..end]));
        while end < values.len() {
            let longer = result_search(origin, &tags_query(tag_type, &values[start..=end]));
            if longer.len() > MAX_LINK {
                break;
            }
            link = longer;
            end += 1;
        }
        links.push(link);
        start = end;
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_as_the_official_ui_quotes_them() {
        assert_eq!(
            tag_query("network.static.ip", "198.51.100.7"),
            r#"result.sections.tags.network.static.ip:"198.51.100.7""#
        );
        assert_eq!(
            tag_query("network.static.uri", r#"http://x/"a"\b OR *"#),
            r#"result.sections.tags.network.static.uri:"http://x/\"a\"\\b OR *""#
        );
        assert_eq!(
            tags_query("network.static.domain", &["a.com", "b.org"]),
            r#"result.sections.tags.network.static.domain:("a.com" OR "b.org")"#
        );
    }

    #[test]
    fn the_search_link_carries_the_query_encoded() {
        let link = result_search(
            "https://al.example.org",
            &tag_query("network.static.ip", "1.2.3.4"),
        );
        assert_eq!(
            link,
            "https://al.example.org/search/result?query=result.sections.tags.network.static.ip%3A%221.2.3.4%22"
        );
        let back = url::Url::parse(&link).unwrap();
        let (_, query) = back.query_pairs().next().unwrap();
        assert_eq!(query, r#"result.sections.tags.network.static.ip:"1.2.3.4""#);
        assert_eq!(result_search("not a url", "x"), "");
    }

    #[test]
    fn many_values_split_over_links_under_the_limit_and_lose_none() {
        let values: Vec<String> = (0..400).map(|i| format!("host-{i}.example.com")).collect();
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        let links = result_search_chunks("https://al", "network.static.domain", &refs);
        assert!(links.len() > 1, "{} links", links.len());
        let mut seen = Vec::new();
        for link in &links {
            assert!(link.len() <= MAX_LINK, "{}", link.len());
            let url = url::Url::parse(link).unwrap();
            let (_, query) = url.query_pairs().next().unwrap();
            seen.extend(
                query
                    .split('"')
                    .filter(|t| t.starts_with("host-"))
                    .map(str::to_string),
            );
        }
        assert_eq!(seen, values, "every value once, in order");
        let huge = "x".repeat(3 * MAX_LINK);
        assert_eq!(
            result_search_chunks("https://al", "t", &[&huge, "y"]).len(),
            2
        );
    }
}
