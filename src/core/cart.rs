//! Streaming, panic-free cART verifier.
//!
//! A download is fed in chunk by chunk as it arrives; the verifier decrypts and inflates the
//! content only to hash and count it, so memory stays O(chunk) and the plaintext (live malware)
//! never sits in the page. Every offset comes from the file itself, so all arithmetic is checked
//! and every length field is capped before anything is allocated from it.
//!
//! Layout (little-endian, CybercentreCanada/cart `cart/cart.py`):
//! `CART` i16 version, u64 reserved, 16-byte RC4 key, u64 header length | RC4(header JSON) |
//! RC4(zlib data) | RC4(footer JSON) | `TRAC` u64 reserved, u64 footer position, u64 footer length.
//! RC4 restarts from the key for each of the three encrypted parts.
//!
//! A file Assemblyline stores is sometimes itself a cART (a service extracted one, or an
//! analyst submitted one unpacked). The server then sends it unchanged instead of wrapping it
//! again (assemblyline-base `common/codec.py`, `encode_file`: `is_cart` → the input as is), so
//! its *content* is some other file: such a download is accepted when the bytes' own sha256
//! is the one asked for (`CartReport::stored_as_cart`).
//!
//! Hashing the bytes as received costs as much as hashing the content, for a case that is
//! rare. A caller that still holds the bytes asks for it on demand
//! (`hashing_bytes_on_demand`): they are hashed again only when the content failed and their
//! length is exactly the size Assemblyline recorded.

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};
use rc4::{KeyInit, Rc4, StreamCipher};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

mod error;
pub use error::CartError;

const HEADER_LEN: usize = 38;
const FOOTER_LEN: usize = 28;
/// Largest optional header or footer accepted. AL writes a name, a classification and the
/// submission metadata: a few KiB. Anything past this is damage or hostility, and refusing it
/// keeps a forged length field from making us allocate gigabytes.
const MAX_JSON: usize = 1 << 20;
pub const MAX_JSON_LEN: u64 = MAX_JSON as u64;
/// Output buffer for inflate: bounds memory regardless of the compression ratio.
const INFLATE_CHUNK: usize = 32 * 1024;

/// What a verified cART file holds, without its content.
#[derive(Clone, Debug, PartialEq)]
pub struct CartReport {
    /// Bytes of the cART file itself.
    pub cart_size: u64,
    /// Bytes of the content once unpacked.
    pub length: u64,
    /// sha256 of the content, computed here (not copied from the footer).
    pub sha256: String,
    /// The original file name from the optional header: what `cart` restores on unpack.
    pub name: Option<String>,
    pub header: Map<String, Value>,
    pub footer: Map<String, Value>,
    /// True when the file Assemblyline stores is this cART itself: its bytes hash to the
    /// sha256 asked for, and `length`/`sha256` are then those of the bytes, while `name`,
    /// `header` and `footer` are the stored cART's own.
    pub stored_as_cart: bool,
}

/// How the bytes as received are hashed, for a stored cART (see the module's notes).
enum BytesHash {
    /// As they arrive.
    Eager(Sha256),
    /// By the caller, from the bytes it holds, only if needed.
    OnDemand,
    /// They are longer than the recorded size: they cannot be the stored file.
    Impossible,
}

enum Stage {
    /// Collecting the 38-byte mandatory header into `buf`.
    Header,
    /// Collecting the encrypted optional header into `buf`.
    OptHeader,
    Data,
    /// After the zlib stream ended: optional + mandatory footer, collected into `buf`.
    Tail,
}

pub struct CartVerifier {
    expected: String,
    stage: Stage,
    received: u64,
    buf: Vec<u8>,
    key: [u8; 16],
    opt_header_len: u64,
    header: Map<String, Value>,
    cipher: Option<Rc4>,
    inflater: Box<InflateState>,
    /// Compressed bytes the zlib stream used, so its end offset is known exactly.
    zlib_len: u64,
    hasher: Sha256,
    length: u64,
    max_length: Option<u64>,
    out: Vec<u8>,
    /// Once something failed every later call reports the same failure.
    failed: Option<CartError>,
    /// sha256 of the bytes as received, while they can still be the stored file itself (no
    /// longer than its recorded size).
    raw: BytesHash,
    /// A content check that failed while the bytes may still be a stored cART: reported once
    /// they cannot be.
    deferred: Option<CartError>,
}

impl CartVerifier {
    pub fn new(expected_sha256: &str) -> Self {
        CartVerifier {
            expected: expected_sha256.trim().to_ascii_lowercase(),
            stage: Stage::Header,
            received: 0,
            buf: Vec::with_capacity(HEADER_LEN),
            key: [0; 16],
            opt_header_len: 0,
            header: Map::new(),
            cipher: None,
            inflater: InflateState::new_boxed(DataFormat::Zlib),
            zlib_len: 0,
            hasher: Sha256::new(),
            length: 0,
            max_length: None,
            out: vec![0; INFLATE_CHUNK],
            failed: None,
            raw: BytesHash::Eager(Sha256::new()),
            deferred: None,
        }
    }

    /// Stops as soon as the content grows past `length` (the size Assemblyline recorded), so a
    /// hostile or broken file cannot make the page inflate gigabytes before the hash check.
    pub fn with_expected_length(mut self, length: u64) -> Self {
        self.max_length = Some(length);
        self
    }

    /// For a caller that keeps the bytes: they are not hashed as they arrive, and
    /// `finish_or_hash_bytes` asks for their sha256 in the rare case it can change the verdict.
    pub fn hashing_bytes_on_demand(mut self) -> Self {
        if matches!(self.raw, BytesHash::Eager(_)) {
            self.raw = BytesHash::OnDemand;
        }
        self
    }

    /// Feeds the next bytes of the download. Fails as soon as the bytes so far prove the file
    /// wrong (bad magic after 4 bytes, bad header after 38, corrupt compression, oversized tail).
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), CartError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        self.hash_raw(chunk);
        let result = if self.deferred.is_some() {
            // The content already failed: only the bytes' own hash can still pass.
            self.received = self.received.saturating_add(chunk.len() as u64);
            Ok(())
        } else {
            self.feed(chunk)
        };
        let result = match result {
            // Inflating stops (the bomb guard still holds); the bytes may be a stored cART.
            Err(e @ CartError::TooLong { .. }) if self.could_be_stored() => {
                self.deferred = Some(e);
                Ok(())
            }
            Ok(()) if !self.could_be_stored() => self.deferred.take().map_or(Ok(()), Err),
            other => other,
        };
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    /// Hashes the bytes as received while they can still be the stored file: past its
    /// recorded size they cannot.
    fn hash_raw(&mut self, chunk: &[u8]) {
        let total = self.received.saturating_add(chunk.len() as u64);
        if self.max_length.is_some_and(|max| total > max) {
            self.raw = BytesHash::Impossible;
        }
        if let BytesHash::Eager(raw) = &mut self.raw {
            raw.update(chunk);
        }
    }

    fn could_be_stored(&self) -> bool {
        !matches!(self.raw, BytesHash::Impossible)
    }

    /// The report for a download whose bytes are the stored file, or `error` when they are not.
    fn stored_or(
        &mut self,
        error: CartError,
        bytes_sha256: impl FnOnce() -> Option<String>,
    ) -> Result<CartReport, CartError> {
        let whole = self.max_length.is_none_or(|max| max == self.received);
        if !whole {
            return Err(error);
        }
        let raw = match std::mem::replace(&mut self.raw, BytesHash::Impossible) {
            BytesHash::Eager(h) => Some(hex(&h.finalize())),
            BytesHash::OnDemand => bytes_sha256().map(|h| h.to_ascii_lowercase()),
            BytesHash::Impossible => None,
        };
        if raw.as_deref() != Some(self.expected.as_str()) {
            return Err(error);
        }
        Ok(CartReport {
            cart_size: self.received,
            length: self.received,
            sha256: self.expected.clone(),
            name: header_name(&self.header),
            header: std::mem::take(&mut self.header),
            footer: Map::new(),
            stored_as_cart: true,
        })
    }

    fn feed(&mut self, mut chunk: &[u8]) -> Result<(), CartError> {
        self.received = self.received.saturating_add(chunk.len() as u64);
        while !chunk.is_empty() {
            chunk = match self.stage {
                Stage::Header => self.take_header(chunk)?,
                Stage::OptHeader => self.take_opt_header(chunk)?,
                Stage::Data => self.take_data(chunk)?,
                Stage::Tail => self.take_tail(chunk)?,
            };
        }
        Ok(())
    }

    fn take_header<'a>(&mut self, chunk: &'a [u8]) -> Result<&'a [u8], CartError> {
        let (now, rest) = split(chunk, HEADER_LEN.saturating_sub(self.buf.len()));
        self.buf.extend_from_slice(now);
        if self.buf.len() >= 4 && self.buf.get(..4) != Some(b"CART") {
            return Err(CartError::NotCart {
                found: show_bytes(&self.buf, 4),
            });
        }
        if self.buf.len() < HEADER_LEN {
            return Ok(rest);
        }
        let version = i16::from_le_bytes(array(&self.buf, 4));
        if version != 1 {
            return Err(CartError::Version(version));
        }
        if u64::from_le_bytes(array(&self.buf, 6)) != 0 {
            return Err(CartError::Reserved("header"));
        }
        self.key = array(&self.buf, 14);
        if self.key == [0; 16] {
            return Err(CartError::PrivateKey);
        }
        self.opt_header_len = u64::from_le_bytes(array(&self.buf, 30));
        if self.opt_header_len > MAX_JSON_LEN {
            return Err(CartError::TooLarge {
                part: "header",
                len: self.opt_header_len,
            });
        }
        self.buf.clear();
        if self.opt_header_len == 0 {
            self.start_data()?;
        } else {
            self.stage = Stage::OptHeader;
        }
        Ok(rest)
    }

    fn take_opt_header<'a>(&mut self, chunk: &'a [u8]) -> Result<&'a [u8], CartError> {
        // Capped at MAX_JSON_LEN above, so the conversion cannot fail in practice.
        let want = usize::try_from(self.opt_header_len).unwrap_or(usize::MAX);
        let (now, rest) = split(chunk, want.saturating_sub(self.buf.len()));
        self.buf.extend_from_slice(now);
        if self.buf.len() >= want {
            let json = std::mem::take(&mut self.buf);
            self.header = decrypt_json(&self.key, json, "header")?;
            self.start_data()?;
        }
        Ok(rest)
    }

    fn start_data(&mut self) -> Result<(), CartError> {
        self.cipher = Some(rc4(&self.key)?);
        self.stage = Stage::Data;
        Ok(())
    }

    fn take_data<'a>(&mut self, chunk: &'a [u8]) -> Result<&'a [u8], CartError> {
        let Some(cipher) = self.cipher.as_mut() else {
            return Err(CartError::Corrupt("internal: no cipher".into()));
        };
        // RC4 is applied to the whole chunk even if the zlib stream ends inside it: the bytes
        // after the end are then taken again, undecrypted, from `chunk`.
        let mut plain = chunk.to_vec();
        cipher.apply_keystream(&mut plain);
        let mut input = plain.as_slice();
        loop {
            let r = inflate(&mut self.inflater, input, &mut self.out, MZFlush::None);
            let produced = self.out.get(..r.bytes_written).unwrap_or(&[]);
            self.hasher.update(produced);
            self.length = self.length.saturating_add(produced.len() as u64);
            self.zlib_len = self.zlib_len.saturating_add(r.bytes_consumed as u64);
            if let Some(expected) = self.max_length.filter(|&m| self.length > m) {
                return Err(CartError::TooLong { expected });
            }
            input = input.get(r.bytes_consumed..).unwrap_or(&[]);
            match r.status {
                Ok(MZStatus::StreamEnd) => {
                    self.stage = Stage::Tail;
                    let used = plain.len().saturating_sub(input.len());
                    return Ok(chunk.get(used..).unwrap_or(&[]));
                }
                Ok(_) | Err(MZError::Buf) => {}
                Err(e) => {
                    return Err(CartError::Corrupt(format!(
                        "zlib error {e:?}: wrong key or damaged data"
                    )))
                }
            }
            if r.bytes_consumed == 0 && r.bytes_written == 0 {
                if input.is_empty() {
                    return Ok(&[]);
                }
                return Err(CartError::Corrupt(
                    "the decompressor made no progress".into(),
                ));
            }
        }
    }

    fn take_tail<'a>(&mut self, chunk: &'a [u8]) -> Result<&'a [u8], CartError> {
        let cap = MAX_JSON + FOOTER_LEN;
        if self.buf.len().saturating_add(chunk.len()) > cap {
            return Err(CartError::Garbage(
                self.received.saturating_sub(self.data_end()),
            ));
        }
        self.buf.extend_from_slice(chunk);
        Ok(&[])
    }

    /// Offset where the zlib stream ended.
    fn data_end(&self) -> u64 {
        (HEADER_LEN as u64)
            .saturating_add(self.opt_header_len)
            .saturating_add(self.zlib_len)
    }

    /// Checks the footers and the digests once the whole download was fed.
    pub fn finish(self) -> Result<CartReport, CartError> {
        self.finish_or_hash_bytes(|| None)
    }

    /// `finish` for a verifier `hashing_bytes_on_demand`: `bytes_sha256` gives the hex sha256
    /// of every byte fed, or None if it cannot; it is called only when the content failed and
    /// the bytes are as long as the recorded size.
    pub fn finish_or_hash_bytes(
        mut self,
        bytes_sha256: impl FnOnce() -> Option<String>,
    ) -> Result<CartReport, CartError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if let Some(e) = self.deferred.take() {
            return self.stored_or(e, bytes_sha256);
        }
        let total = self.received;
        match self.stage {
            Stage::Header => {
                return Err(CartError::Truncated(format!(
                    "only {total} bytes; a cART file has at least {} bytes",
                    HEADER_LEN + FOOTER_LEN
                )))
            }
            Stage::OptHeader => {
                return Err(CartError::Truncated(format!(
                    "the file ends inside its optional header ({total} bytes received)"
                )))
            }
            Stage::Data => {
                return Err(CartError::Truncated(format!(
                    "the file ends inside the compressed content, after {total} bytes"
                )))
            }
            Stage::Tail => {}
        }
        let data_end = self.data_end();
        let Some(opt_len) = self.buf.len().checked_sub(FOOTER_LEN) else {
            return Err(CartError::Truncated(format!(
                "the file ends {} bytes into its 28-byte footer",
                self.buf.len()
            )));
        };
        let (opt_footer, trailer) = self.buf.split_at(opt_len);
        if trailer.get(..4) != Some(b"TRAC") {
            return Err(CartError::BadFooter {
                found: show_bytes(trailer, 4),
            });
        }
        if u64::from_le_bytes(array(trailer, 4)) != 0 {
            return Err(CartError::Reserved("footer"));
        }
        let pos = u64::from_le_bytes(array(trailer, 12));
        let len = u64::from_le_bytes(array(trailer, 20));
        let fits = pos
            .checked_add(len)
            .and_then(|end| end.checked_add(FOOTER_LEN as u64));
        if fits.is_none_or(|end| end > total) {
            return Err(CartError::FooterPastEnd { pos, len, total });
        }
        // Without an optional footer nobody reads the position: cart.py writes the data end,
        // other writers 0. With one, `cart` seeks to it, so it must be exact.
        if pos != data_end && !(len == 0 && pos == 0) {
            return Err(CartError::FooterPosition { pos, data_end });
        }
        if opt_len as u64 != len {
            return Err(CartError::Garbage((opt_len as u64).saturating_sub(len)));
        }
        let footer = if len == 0 {
            Map::new()
        } else {
            decrypt_json(&self.key, opt_footer.to_vec(), "footer")?
        };

        let sha256 = hex(&std::mem::take(&mut self.hasher).finalize());
        check_claim(&footer, "sha256", &sha256)?;
        check_claim(&footer, "length", &self.length.to_string())?;
        if sha256 != self.expected {
            let expected = self.expected.clone();
            return self.stored_or(
                CartError::WrongContent {
                    actual: sha256,
                    expected,
                },
                bytes_sha256,
            );
        }
        Ok(CartReport {
            cart_size: total,
            length: self.length,
            sha256,
            name: header_name(&self.header),
            header: self.header,
            footer,
            stored_as_cart: false,
        })
    }
}

fn header_name(header: &Map<String, Value>) -> Option<String> {
    header
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Verifies a whole cART file held in memory.
pub fn verify(bytes: &[u8], expected_sha256: &str) -> Result<CartReport, CartError> {
    let mut v = CartVerifier::new(expected_sha256);
    v.update(bytes)?;
    v.finish()
}

/// A digest the footer claims must equal the computed one. cart.py writes `length` as a
/// decimal string; a number is accepted too. A footer without the field claims nothing: the
/// content is still checked against the expected sha256.
fn check_claim(
    footer: &Map<String, Value>,
    field: &'static str,
    computed: &str,
) -> Result<(), CartError> {
    let claimed = match footer.get(field) {
        None => return Ok(()),
        Some(Value::String(s)) => s.to_ascii_lowercase(),
        Some(other) => other.to_string(),
    };
    if claimed == computed {
        Ok(())
    } else {
        Err(CartError::FooterDigest {
            field,
            claimed,
            computed: computed.to_string(),
        })
    }
}

fn rc4(key: &[u8; 16]) -> Result<Rc4, CartError> {
    Rc4::new_from_slice(key).map_err(|_| CartError::Corrupt("unusable RC4 key".into()))
}

fn decrypt_json(
    key: &[u8; 16],
    mut bytes: Vec<u8>,
    part: &'static str,
) -> Result<Map<String, Value>, CartError> {
    rc4(key)?.apply_keystream(&mut bytes);
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(CartError::BadJson {
            part,
            detail: "not a JSON object".into(),
        }),
        Err(e) => Err(CartError::BadJson {
            part,
            detail: e.to_string(),
        }),
    }
}

fn split(chunk: &[u8], at: usize) -> (&[u8], &[u8]) {
    chunk.split_at(at.min(chunk.len()))
}

/// `N` bytes at `at`, zero-filled where `bytes` is too short (callers check lengths first;
/// this only keeps a mistake from becoming a panic).
fn array<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0; N];
    if let Some(src) = bytes.get(at..).and_then(|b| b.get(..N)) {
        out.copy_from_slice(src);
    }
    out
}

/// The first bytes of something unexpected, as an analyst would want to read them.
fn show_bytes(bytes: &[u8], n: usize) -> String {
    let head = bytes.get(..n.min(bytes.len())).unwrap_or(&[]);
    format!("\"{}\"", head.escape_ascii())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests;
