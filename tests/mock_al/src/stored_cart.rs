//! A file Assemblyline stores as a cART (`Config::stored_cart`): one extra submission, tagged
//! `metadata.case: stored-cart`, whose root (a zip) extracts `payload.exe.cart` — a cART file
//! itself, scored 8000 — so the collection downloads a file the server sends unchanged
//! (assemblyline-base `common/codec.py`, `encode_file`, see `cart::encode`).

use crate::builder::{heur, sec, SubBuilder, EXTRACT, YARA};
use crate::content::{file_record, make_bytes, FileKind};
use crate::data::{make_sid, Store, Submission, CLEAR};
use crate::samples::T0;

/// Search query that matches this submission and nothing else.
pub const STORED_CART_QUERY: &str = "metadata.case:stored-cart";

pub fn build(store: &mut Store, seed: u64) -> Submission {
    let sid = make_sid(seed, "stored-cart");
    let root = store.add_file(
        &format!("stored-cart-root:{seed}"),
        FileKind::Zip,
        4096,
        CLEAR,
    );
    let inner = make_bytes(seed, "stored-cart-inner", FileKind::Pe, 20_000);
    let stored = crate::cart::encode(&inner, "payload.exe", CLEAR, None);
    let record = file_record(stored, FileKind::Bin, CLEAR);
    let cart_sha = record.sha256.clone();
    store.files.entry(cart_sha.clone()).or_insert(record);
    let mut b = SubBuilder::new(sid, "stored-cart", "delivery.zip", &root, T0 + 32 * 86_400);
    b.meta("case", "stored-cart");
    b.ext(&root, EXTRACT, vec![], &[("payload.exe.cart", &cart_sha)]);
    b.res(
        &cart_sha,
        YARA,
        vec![sec(
            "Known implant",
            heur("YARA.1", "Known implant", 8000),
            &[],
        )],
    );
    b.done()
}
