//! Real cART (via the official `cart_container`), cached per (sha256, name, sid).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cart_container::{digesters::default_digesters, pack_stream, JsonMap};
use serde_json::{json, Value};

/// (sha256, name, sid)
type Key = (String, String, String);

#[derive(Default)]
pub struct CartCache {
    map: Mutex<HashMap<Key, Arc<Vec<u8>>>>,
}

/// `encode_file`: the header is the submission metadata (unflattened), the classification when
/// it is enforced, then `name`; the footer gets md5, sha1, sha256 and length from the digesters.
///
/// A file that already is a cART is sent as it is stored, not wrapped again (assemblyline-base
/// `common/codec.py`, `encode_file`: `is_cart(data)` → the input path unchanged).
pub fn encode(bytes: &[u8], name: &str, classification: &str, metadata: Option<&Value>) -> Vec<u8> {
    if is_cart(bytes) {
        return bytes.to_vec();
    }
    let mut header = JsonMap::new();
    if let Some(Value::Object(m)) = metadata {
        for (k, v) in m {
            insert_dotted(&mut header, k, v.clone());
        }
    }
    header.insert("classification".into(), json!(classification));
    header.insert("name".into(), json!(name));
    let mut out = Vec::with_capacity(bytes.len() / 2 + 256);
    pack_stream(
        bytes,
        &mut out,
        Some(header),
        None,
        default_digesters(),
        None,
    )
    .expect("cART encoding to memory");
    fix_footer_position(&mut out);
    out
}

/// cart.py `is_cart`: the mandatory header's magic and version.
fn is_cart(bytes: &[u8]) -> bool {
    bytes.len() >= 38 && bytes.starts_with(b"CART") && bytes[4..6] == [1, 0]
}

/// `cart_container` 1.0 records the optional footer's position before its compressor is
/// flushed, so the mandatory footer points into the data. The Python `cart` that
/// Assemblyline uses writes the true offset (and its own CLI rejects the wrong one), so
/// the mock patches it: total - 28 - footer length.
fn fix_footer_position(out: &mut [u8]) {
    let n = out.len();
    let footer_len = u64::from_le_bytes(out[n - 8..].try_into().expect("8 bytes"));
    let position = n as u64 - 28 - footer_len;
    out[n - 16..n - 8].copy_from_slice(&position.to_le_bytes());
}

fn insert_dotted(map: &mut JsonMap, key: &str, v: Value) {
    match key.split_once('.') {
        None => {
            map.insert(key.into(), v);
        }
        Some((head, rest)) => {
            let entry = map.entry(head.to_string()).or_insert_with(|| json!({}));
            if let Value::Object(inner) = entry {
                insert_dotted(inner, rest, v);
            }
        }
    }
}

impl CartCache {
    pub fn get_or_encode(
        &self,
        sha256: &str,
        name: &str,
        sid: &str,
        make: impl FnOnce() -> Vec<u8>,
    ) -> Arc<Vec<u8>> {
        let key = (sha256.to_string(), name.to_string(), sid.to_string());
        if let Some(hit) = self.map.lock().expect("cart cache").get(&key) {
            return hit.clone();
        }
        // Encode outside the lock: a 2 MB sample must not stall every other download.
        let bytes = Arc::new(make());
        self.map
            .lock()
            .expect("cart cache")
            .entry(key)
            .or_insert(bytes)
            .clone()
    }
}
