//! The public suffix list, which tells the registrable part of a host name ("example.co.uk" of
//! "www.example.co.uk"). It is not compiled into the page: it was 44 KB of the gzipped page, so
//! the browser shell loads its text after the page is interactive and hands it here.

use std::fmt;

use publicsuffix::{List, Psl};

pub struct SuffixList(List);

impl SuffixList {
    /// Reads publicsuffix.org's format. Text with no ICANN or private section (an HTML error
    /// page served in the list's place, say) is refused rather than read as an empty list.
    pub fn parse(text: &str) -> Result<SuffixList, String> {
        text.parse()
            .map(SuffixList)
            .map_err(|e| format!("the public suffix list does not parse ({e})"))
    }

    /// The registrable part of a lowercase host name; None for a public suffix alone
    /// ("co.uk") or a bare label ("localhost").
    pub fn registrable<'a>(&self, name: &'a str) -> Option<&'a str> {
        let domain = self.0.domain(name.as_bytes())?;
        std::str::from_utf8(domain.as_bytes()).ok()
    }
}

/// By hand: the derived one would print thousands of rules (and cost page weight).
impl fmt::Debug for SuffixList {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("SuffixList")
    }
}

/// The list the page ships (`public_suffix_list.dat`, copied next to it by Trunk), for tests.
#[cfg(test)]
pub fn bundled() -> std::sync::Arc<SuffixList> {
    use std::sync::{Arc, OnceLock};
    static LIST: OnceLock<Arc<SuffixList>> = OnceLock::new();
    LIST.get_or_init(|| {
        Arc::new(SuffixList::parse(include_str!("public_suffix_list.dat")).unwrap())
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_parses_and_other_text_is_refused() {
        assert_eq!(
            bundled().registrable("www.example.co.uk"),
            Some("example.co.uk")
        );
        let html = "<!doctype html>\n<html><body>Not found</body></html>\n";
        assert!(SuffixList::parse(html)
            .unwrap_err()
            .contains("does not parse"));
        assert!(SuffixList::parse("").is_err());
    }
}
