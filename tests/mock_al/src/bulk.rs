//! Bulk files for the memory benchmark (`Config::bulk = Some((files, bytes_each))`): one extra
//! submission, labelled "bulk" and tagged `metadata.bench: bulk`, whose root archive extracts
//! `files` incompressible files of `bytes_each` bytes, each scoring 8000.
//!
//! Cheap on purpose, since the benchmark asks for ≥ 2 GB: content comes from a seeded stream and
//! is never kept; each file's cART is built once, when the dataset is built, for the download
//! the collector (and AL's own UI) makes — `name` = the file's name in the tree, `sid` = the bulk
//! submission — so serving it is a copy. The encoder writes zlib *stored* blocks (the content is
//! incompressible anyway) and XORs with one precomputed RC4 keystream: cART restarts RC4 from the
//! same key for each part, so one keystream serves every file. A download with another name or
//! sid falls back to the official encoder (`cart::encode`, slow in debug builds). The test below
//! unpacks a bulk cART with the official `cart_container` and compares it with `cart::encode`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use cart_container::JsonMap;
use serde_json::json;

use crate::builder::{heur, sec, SubBuilder, CAPE, CHARACTERIZE, EXTRACT, YARA};
use crate::content::FileKind;
use crate::data::{make_sid, FileRec, Store, Submission, CLEAR};
use crate::samples::T0;
use crate::util::Rng;

/// Search query that matches the bulk submission and nothing else.
pub const BULK_QUERY: &str = "metadata.bench:bulk";
/// Score of every bulk file (CAPE 5000 + YARA 3000).
pub const BULK_FILE_SCORE: i64 = 8000;

const RC4_KEY: [u8; 16] = [3, 1, 4, 1, 5, 9, 2, 6, 3, 1, 4, 1, 5, 9, 2, 6];
/// Largest stored deflate block.
const STORED_BLOCK: usize = 65_535;

pub struct BulkFile {
    pub name: String,
    index: usize,
    size: usize,
    /// cART for `?name=<name>&sid=<bulk sid>`.
    cart: Arc<Vec<u8>>,
}

#[derive(Default)]
pub struct Bulk {
    seed: u64,
    sid: String,
    files: BTreeMap<String, BulkFile>,
}

/// The file's content: a marker line, then a seeded splitmix64 stream (incompressible).
fn content(seed: u64, index: usize, size: usize) -> Vec<u8> {
    let mut out = format!("#mock-al:bulk:{seed}:{index}\n").into_bytes();
    let start = out.len();
    out.resize(size.max(start), 0);
    Rng::for_label(seed, &format!("bulk-content:{index}")).fill(&mut out[start..]);
    out.truncate(size.max(16));
    out
}

fn rc4_keystream(len: usize) -> Vec<u8> {
    let mut s: Vec<u8> = (0..=255).collect();
    let mut j = 0u8;
    for i in 0..256 {
        j = j
            .wrapping_add(s[i])
            .wrapping_add(RC4_KEY[i % RC4_KEY.len()]);
        s.swap(i, j as usize);
    }
    let (mut i, mut j) = (0u8, 0u8);
    let mut out = vec![0u8; len];
    for o in out.iter_mut() {
        i = i.wrapping_add(1);
        j = j.wrapping_add(s[i as usize]);
        s.swap(i as usize, j as usize);
        *o = s[s[i as usize].wrapping_add(s[j as usize]) as usize];
    }
    out
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += x as u32;
            b += a;
        }
        a %= 65_521;
        b %= 65_521;
    }
    (b << 16) | a
}

/// zlib stream of `data` in stored blocks: 2-byte header, 5 bytes per block, adler32.
fn zlib_len(size: usize) -> usize {
    2 + size.div_ceil(STORED_BLOCK).max(1) * 5 + size + 4
}

/// Appends `data ^ keystream`, eight bytes at a time (this crate is built without
/// optimisation in dev builds, where a byte loop costs a second per 100 MB).
fn xor_into(out: &mut Vec<u8>, data: &[u8], keystream: &[u8]) {
    let start = out.len();
    out.extend_from_slice(data);
    let dst = &mut out[start..];
    let mut words = dst.chunks_exact_mut(8);
    let mut keys = keystream.chunks_exact(8);
    for (w, k) in (&mut words).zip(&mut keys) {
        let x = u64::from_ne_bytes((&*w).try_into().expect("8 bytes"))
            ^ u64::from_ne_bytes(k.try_into().expect("8 bytes"));
        w.copy_from_slice(&x.to_ne_bytes());
    }
    let done = data.len() - data.len() % 8;
    for (d, k) in out[start + done..].iter_mut().zip(&keystream[done..]) {
        *d ^= k;
    }
}

/// The file record, like `content::file_record` but with the entropy of the first MiB only
/// (the stream is uniform) and without keeping the bytes.
fn bulk_record(data: &[u8]) -> FileRec {
    use cart_container::digesters::{Digester, MD5Digest, SHA1Digest};
    let mut md5 = MD5Digest::new();
    let mut sha1 = SHA1Digest::new();
    md5.update(data);
    sha1.update(data);
    let sample = &data[..data.len().min(1 << 20)];
    let mut counts = [0u64; 256];
    for &b in sample {
        counts[b as usize] += 1;
    }
    let n = sample.len().max(1) as f64;
    let entropy: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| -(c as f64 / n) * (c as f64 / n).log2())
        .sum();
    FileRec {
        sha256: crate::util::sha256_hex(data),
        sha1: sha1.finish(),
        md5: md5.finish(),
        size: data.len() as u64,
        kind: FileKind::Bin,
        entropy: (entropy * 1000.0).round() / 1000.0,
        classification: CLEAR,
        head: data[..data.len().min(64)].to_vec(),
        bytes: None,
    }
}

/// A cART (default key) of `data` with this optional header and the standard digest footer.
fn encode_fast(data: &[u8], header: &JsonMap, footer: &JsonMap, keystream: &[u8]) -> Vec<u8> {
    let header = serde_json::to_vec(header).expect("header json");
    let footer = serde_json::to_vec(footer).expect("footer json");
    let zlen = zlib_len(data.len());
    let mut zlib = Vec::with_capacity(zlen);
    zlib.extend_from_slice(&[0x78, 0x01]);
    let mut blocks = data.chunks(STORED_BLOCK).peekable();
    if blocks.peek().is_none() {
        zlib.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    while let Some(block) = blocks.next() {
        let len = block.len() as u16;
        zlib.push(u8::from(blocks.peek().is_none()));
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(data).to_be_bytes());
    debug_assert_eq!(zlib.len(), zlen);

    let mut out = Vec::with_capacity(38 + header.len() + zlen + footer.len() + 28);
    out.extend_from_slice(b"CART");
    out.extend_from_slice(&1i16.to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(&RC4_KEY);
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    xor_into(&mut out, &header, keystream);
    xor_into(&mut out, &zlib, keystream);
    drop(zlib);
    let footer_pos = out.len() as u64;
    xor_into(&mut out, &footer, keystream);
    out.extend_from_slice(b"TRAC");
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(&footer_pos.to_le_bytes());
    out.extend_from_slice(&(footer.len() as u64).to_le_bytes());
    out
}

/// The optional header `cart::encode` writes: metadata (flat keys here), classification, name.
fn cart_header(metadata: &BTreeMap<String, String>, c12n: &str, name: &str) -> JsonMap {
    let mut h = JsonMap::new();
    for (k, v) in metadata {
        h.insert(k.clone(), json!(v));
    }
    h.insert("classification".into(), json!(c12n));
    h.insert("name".into(), json!(name));
    h
}

/// Adds the bulk files to `store` and returns the submission and the prepared downloads.
pub fn build(store: &mut Store, files: usize, bytes_each: usize, seed: u64) -> (Submission, Bulk) {
    let sid = make_sid(seed, "bulk");
    let root_name = "bench-bulk.zip";
    let root = store.add_file(&format!("bulk-root:{seed}"), FileKind::Zip, 4096, CLEAR);
    let mut metadata = BTreeMap::new();
    metadata.insert("bench".to_string(), "bulk".to_string());

    let needed = zlib_len(bytes_each.max(16))
        .max(4096)
        .max(bytes_each.max(16) + 1024);
    let keystream = rc4_keystream(needed);
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    let mut built: Vec<Option<(FileRec, BulkFile)>> = (0..files).map(|_| None).collect();
    std::thread::scope(|scope| {
        let chunk = files.div_ceil(threads).max(1);
        for (t, slots) in built.chunks_mut(chunk).enumerate() {
            let (keystream, metadata) = (&keystream, &metadata);
            scope.spawn(move || {
                for (k, slot) in slots.iter_mut().enumerate() {
                    let index = t * chunk + k;
                    let name = format!("bulk_{index:03}.bin");
                    let data = content(seed, index, bytes_each);
                    let rec = bulk_record(&data);
                    let mut footer = JsonMap::new();
                    footer.insert("length".into(), json!(data.len().to_string()));
                    footer.insert("md5".into(), json!(rec.md5));
                    footer.insert("sha1".into(), json!(rec.sha1));
                    footer.insert("sha256".into(), json!(rec.sha256));
                    let header = cart_header(metadata, CLEAR, &name);
                    let cart = encode_fast(&data, &header, &footer, keystream);
                    let size = data.len();
                    *slot = Some((
                        rec,
                        BulkFile {
                            name,
                            index,
                            size,
                            cart: Arc::new(cart),
                        },
                    ));
                }
            });
        }
    });

    let mut b = SubBuilder::new(sid.clone(), "bulk", root_name, &root, T0 + 30 * 86_400);
    b.sub.description = "Benchmark: bulk collection of large files".into();
    b.sub.metadata = metadata;
    let mut bulk = Bulk {
        seed,
        sid,
        files: BTreeMap::new(),
    };
    let mut children = Vec::new();
    for (rec, file) in built.into_iter().flatten() {
        children.push((file.name.clone(), rec.sha256.clone()));
        let sha = rec.sha256.clone();
        store.files.entry(sha.clone()).or_insert(rec);
        bulk.files.insert(sha, file);
    }
    let extracted: Vec<(&str, &str)> = children
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    b.ext(
        &root,
        EXTRACT,
        vec![sec("Extracted files", None, &[])],
        &extracted,
    );
    b.empty(&root, CHARACTERIZE);
    for (_, sha) in &children {
        b.res(
            sha,
            CAPE,
            vec![sec(
                "Sandbox detonation",
                heur("CAPE.40", "Bulk payload behaviour", 5000),
                &[],
            )],
        )
        .res(
            sha,
            YARA,
            vec![sec(
                "YARA match",
                heur("YARA.9", "Bulk payload rule", 3000),
                &[],
            )],
        );
    }
    (b.done(), bulk)
}

impl Bulk {
    pub(crate) fn file(&self, sha256: &str) -> Option<&BulkFile> {
        self.files.get(sha256)
    }

    /// The prepared cART when the request names the file as the tree does, with the bulk sid.
    pub(crate) fn prepared_cart(
        &self,
        sha256: &str,
        name: &str,
        sid: Option<&str>,
    ) -> Option<Arc<Vec<u8>>> {
        let f = self.files.get(sha256)?;
        (f.name == name && sid == Some(self.sid.as_str())).then(|| f.cart.clone())
    }

    /// Regenerates a bulk file's content (raw downloads and other names/sids).
    pub(crate) fn content(&self, sha256: &str) -> Option<Vec<u8>> {
        let f = self.files.get(sha256)?;
        Some(content(self.seed, f.index, f.size))
    }
}

impl crate::data::Dataset {
    /// The bulk submission's sid, when `Config::bulk` was set.
    pub fn bulk_sid(&self) -> Option<&str> {
        (!self.bulk.sid.is_empty()).then_some(self.bulk.sid.as_str())
    }

    /// (sha256, name, size) of every bulk file. Their blobs exist (downloads work) although
    /// `file_bytes` returns `None`: the content is generated on demand, never held.
    pub fn bulk_files(&self) -> Vec<(String, String, u64)> {
        self.bulk
            .files
            .iter()
            .map(|(sha, f)| (sha.clone(), f.name.clone(), f.size as u64))
            .collect()
    }

    /// The bulk files' sha256s.
    pub fn bulk_sha256s(&self) -> BTreeSet<String> {
        self.bulk.files.keys().cloned().collect()
    }

    pub fn is_bulk(&self, sha256: &str) -> bool {
        self.bulk.file(sha256).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unpack(cart: &[u8]) -> (Vec<u8>, JsonMap, JsonMap) {
        let mut out = Vec::new();
        let (h, f) = cart_container::unpack_stream(cart, &mut out, None).expect("valid cART");
        (out, h.unwrap_or_default(), f.unwrap_or_default())
    }

    #[test]
    fn fast_cart_matches_the_official_encoder() {
        let mut store = Store {
            files: BTreeMap::new(),
            seed: 3,
        };
        // 3 files across block boundaries: 200 KB is four stored blocks, the last one short.
        let (sub, bulk) = build(&mut store, 3, 200_000, 3);
        assert_eq!(bulk.files.len(), 3);
        assert_eq!(sub.max_score(), BULK_FILE_SCORE);
        let scores = sub.file_scores();
        for (sha, f) in &bulk.files {
            assert_eq!(scores[sha], BULK_FILE_SCORE);
            let rec = &store.files[sha];
            assert!(rec.bytes.is_none(), "bulk content is never held");
            let data = bulk.content(sha).unwrap();
            assert_eq!(crate::util::sha256_hex(&data), *sha);
            let (out, header, footer) = unpack(&f.cart);
            assert_eq!(out, data);
            let meta = json!({"bench": "bulk"});
            let official = crate::cart::encode(&data, &f.name, CLEAR, Some(&meta));
            let (out2, header2, footer2) = unpack(&official);
            assert_eq!((out2, header2, footer2), (out, header, footer));
            // The mandatory footer points at the optional footer (what Python `cart` writes).
            let n = f.cart.len();
            let pos = u64::from_le_bytes(f.cart[n - 16..n - 8].try_into().unwrap());
            let len = u64::from_le_bytes(f.cart[n - 8..].try_into().unwrap());
            assert_eq!(pos, n as u64 - 28 - len);
            // Incompressible: the cART is barely larger than the content.
            assert!(f.cart.len() < data.len() + 1024, "{}", f.cart.len());
            assert_eq!(
                bulk.prepared_cart(sha, &f.name, Some(&bulk.sid)),
                Some(f.cart.clone())
            );
            assert!(bulk
                .prepared_cart(sha, "other.bin", Some(&bulk.sid))
                .is_none());
        }
    }

    #[test]
    fn empty_and_tiny_contents_encode() {
        let ks = rc4_keystream(70_000);
        for data in [&b""[..], b"x", &[7u8; 65_535][..]] {
            let cart = encode_fast(data, &JsonMap::new(), &JsonMap::new(), &ks);
            let (out, _, _) = unpack(&cart);
            assert_eq!(out, data);
        }
    }
}
