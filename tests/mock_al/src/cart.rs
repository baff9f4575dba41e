//! Real cART (via the official `cart_container`), cached per (sha256, name, sid).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cart_container::{digesters::default_digesters, pack_stream, JsonMap};
use serde_json::{json, Value};

#[derive(Default)]
pub struct CartCache {
    map: Mutex<HashMap<(String, String, String), Arc<Vec<u8>>>>,
}

/// `encode_file`: the header is the submission metadata (unflattened), the classification when
/// it is enforced, then `name`; the footer gets md5, sha1, sha256 and length from the digesters.
pub fn encode(bytes: &[u8], name: &str, classification: &str, metadata: Option<&Value>) -> Vec<u8> {
    let mut header = JsonMap::new();
    if let Some(Value::Object(m)) = metadata {
        for (k, v) in m {
            insert_dotted(&mut header, k, v.clone());
        }
    }
    header.insert("classification".into(), json!(classification));
    header.insert("name".into(), json!(name));
    let mut out = Vec::with_capacity(bytes.len() / 2 + 256);
    pack_stream(bytes, &mut out, Some(header), None, default_digesters(), None).expect("cART encoding to memory");
    out
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
        self.map.lock().expect("cart cache").entry(key).or_insert(bytes).clone()
    }
}
