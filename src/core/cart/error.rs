//! What can be wrong with a download that should be a cART file, in an analyst's words.

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CartError {
    #[error("not a cART file: it starts with {found} instead of \"CART\"{}", magic_hint(.found))]
    NotCart { found: String },
    #[error("cART version {0} is not supported (only version 1 exists)")]
    Version(i16),
    #[error("the {0} has a non-zero reserved field: the file is damaged or not cART")]
    Reserved(&'static str),
    #[error("encrypted with a private key (the key field is all zeros): it cannot be checked or unpacked without that key")]
    PrivateKey,
    #[error(
        "the optional {part} claims {len} bytes; more than 1 MiB is refused as damaged or hostile"
    )]
    TooLarge { part: &'static str, len: u64 },
    #[error("the optional {part} does not decrypt to JSON ({detail}): the file is damaged")]
    BadJson { part: &'static str, detail: String },
    #[error("truncated: {0}")]
    Truncated(String),
    #[error("the compressed content is damaged ({0})")]
    Corrupt(String),
    #[error("the file does not end with the \"TRAC\" footer (found {found}): it is damaged or has trailing garbage")]
    BadFooter { found: String },
    #[error("footer points past the end: an optional footer of {len} bytes at offset {pos} does not fit in a {total}-byte file")]
    FooterPastEnd { pos: u64, len: u64, total: u64 },
    #[error("the footer says the optional footer starts at offset {pos}, but the compressed content ends at {data_end}: the file is damaged (the official `cart` tool could not read its metadata)")]
    FooterPosition { pos: u64, data_end: u64 },
    #[error("{0} unexpected bytes between the compressed content and the footer")]
    Garbage(u64),
    #[error(
        "the footer's {field} is {claimed} but the content gives {computed}: the file is damaged"
    )]
    FooterDigest {
        field: &'static str,
        claimed: String,
        computed: String,
    },
    #[error("the content is already longer than the {expected} bytes Assemblyline recorded for this file")]
    TooLong { expected: u64 },
    #[error("content sha256 is {actual}, expected {expected}: the server sent a different file")]
    WrongContent { actual: String, expected: String },
}

/// Names what was received instead of a cART file; the usual suspects are an error page or an
/// un-encoded download (which is the live sample itself).
fn magic_hint(found: &str) -> &'static str {
    let f = found.trim_start_matches('"');
    if f.starts_with('{') {
        " (it looks like a JSON error message from the server)"
    } else if f.starts_with('<') {
        " (it looks like a web page: a login page or proxy may be in the way)"
    } else if f.starts_with("PK") {
        " (it looks like a zip archive: the download was not cART-encoded)"
    } else if f.starts_with("MZ") || f.starts_with("\\x7fELF") {
        " (it looks like an executable: the download was NOT cART-encoded, handle it as live malware)"
    } else {
        ""
    }
}
