//! The ontology's NDJSON read as it streams: bytes in, whole records out as soon as their
//! line has ended, so values can be shown while a large answer is still arriving. Lines are
//! numbered as `api::parse_ontology` numbers them, so a bad line is named the same way.

use crate::core::api::OntologyRecord;
use crate::core::error::ApiError;

#[derive(Debug, Default)]
pub struct OntologyLines {
    /// Bytes of the line not yet ended (a chunk may stop anywhere, even inside a character).
    partial: Vec<u8>,
    /// Lines ended so far.
    line: usize,
}

impl OntologyLines {
    /// The records whose lines `chunk` completes.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<OntologyRecord>, ApiError> {
        let mut out = Vec::new();
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            let (line, after) = rest.split_at(end);
            rest = &after[1..];
            let record = if self.partial.is_empty() {
                self.parse(line)?
            } else {
                self.partial.extend_from_slice(line);
                let whole = std::mem::take(&mut self.partial);
                self.parse(&whole)?
            };
            out.extend(record);
        }
        self.partial.extend_from_slice(rest);
        Ok(out)
    }

    /// The last record when the body did not end with a new line.
    pub fn finish(&mut self) -> Result<Option<OntologyRecord>, ApiError> {
        let last = std::mem::take(&mut self.partial);
        self.parse(&last)
    }

    fn parse(&mut self, line: &[u8]) -> Result<Option<OntologyRecord>, ApiError> {
        self.line += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(line)
            .map(Some)
            .map_err(|e| ApiError::Decode(format!("submission ontology, line {}: {e}", self.line)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::api::parse_ontology;

    const BODY: &str = "{\"file\":{\"sha256\":\"aa\"},\"results\":{\"tags\":{\"network.port\":[443],\"network.static.domain\":[\"x.org\"]}}}\n\n{\"classification\":\"TLP:CLEAR\",\"results\":{\"tags\":{\"network.static.uri\":[\"http://é.example/\"]}}}\r\n{\"results\":{}}";

    /// Every way of cutting the body into two or three chunks yields the records the whole
    /// body parses to, each as soon as its line ends.
    #[test]
    fn records_come_out_whole_whatever_the_chunking() {
        let whole = parse_ontology(BODY).unwrap();
        let bytes = BODY.as_bytes();
        for cut in 0..=bytes.len() {
            for cut2 in (cut..=bytes.len()).step_by(7) {
                let mut lines = OntologyLines::default();
                let mut got = Vec::new();
                for chunk in [&bytes[..cut], &bytes[cut..cut2], &bytes[cut2..]] {
                    got.extend(lines.push(chunk).unwrap());
                }
                got.extend(lines.finish().unwrap());
                assert_eq!(got, whole, "cut at {cut}, {cut2}");
            }
        }
    }

    #[test]
    fn a_record_is_out_as_soon_as_its_line_ends() {
        let mut lines = OntologyLines::default();
        let first_end = BODY.find('\n').unwrap();
        assert!(lines
            .push(&BODY.as_bytes()[..first_end])
            .unwrap()
            .is_empty());
        assert_eq!(lines.push(b"\n").unwrap().len(), 1);
    }

    #[test]
    fn a_bad_line_is_named_as_the_whole_body_parse_names_it() {
        let body = "{\"results\":{}}\n\nnot json\n";
        let whole = parse_ontology(body).unwrap_err().to_string();
        let mut lines = OntologyLines::default();
        let streamed = lines.push(body.as_bytes()).unwrap_err().to_string();
        assert_eq!(streamed, whole);
        assert!(streamed.contains("line 3"), "{streamed}");
        let mut cut = OntologyLines::default();
        cut.push(b"{\"results\":{}}\n{\"resu").unwrap();
        assert!(cut.finish().unwrap_err().to_string().contains("line 2"));
    }
}
