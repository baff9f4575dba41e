//! The byte worker's engine in a real dedicated worker (headless Chromium), where the origin
//! private file system has synchronous access handles: fed the same orders the page sends, it
//! must write the same zip, byte for byte, as the core's `BundleWriter` natively — and a corrupt
//! or truncated cART must be rejected and leave nothing in the zip.
#![cfg(target_arch = "wasm32")]

use al_collector::core::bundle::{manifest_entries, BundleWriter, Keeper, Manifest, ZipTime};
use al_collector::worker::protocol::{Order, Report};
use al_collector::worker::Engine;
use js_sys::Uint8Array;
use rc4::{KeyInit, Rc4, StreamCipher};
use sha2::{Digest, Sha256};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const KEY: [u8; 16] = *b"0123456789abcdef";
const WHEN: ZipTime = ZipTime {
    year: 2026,
    month: 11,
    day: 30,
    hour: 6,
    minute: 1,
    second: 2,
};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn rc4(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    Rc4::new_from_slice(&KEY).unwrap().apply_keystream(&mut out);
    out
}

/// A cART file as CybercentreCanada/cart writes it (layout in `core::cart`).
fn pack(data: &[u8], name: &str) -> Vec<u8> {
    let header = format!("{{\"name\":\"{name}\"}}");
    let footer = format!(
        "{{\"sha256\":\"{}\",\"length\":\"{}\"}}",
        hex(&Sha256::digest(data)),
        data.len()
    );
    let mut cart = b"CART".to_vec();
    cart.extend_from_slice(&1i16.to_le_bytes());
    cart.extend_from_slice(&0u64.to_le_bytes());
    cart.extend_from_slice(&KEY);
    cart.extend_from_slice(&(header.len() as u64).to_le_bytes());
    cart.extend(rc4(header.as_bytes()));
    cart.extend(rc4(&miniz_oxide::deflate::compress_to_vec_zlib(data, 6)));
    let footer_at = cart.len() as u64;
    cart.extend(rc4(footer.as_bytes()));
    cart.extend_from_slice(b"TRAC");
    cart.extend_from_slice(&0u64.to_le_bytes());
    cart.extend_from_slice(&footer_at.to_le_bytes());
    cart.extend_from_slice(&(footer.len() as u64).to_le_bytes());
    cart
}

/// Bytes that barely compress, from a seeded generator.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as u8
        })
        .collect()
}

struct Sample {
    sha256: String,
    length: u64,
    cart: Vec<u8>,
}

fn sample(data: &[u8], name: &str) -> Sample {
    Sample {
        sha256: hex(&Sha256::digest(data)),
        length: data.len() as u64,
        cart: pack(data, name),
    }
}

async fn order(engine: &mut Engine, order: Order, payload: JsValue) -> Option<(Report, JsValue)> {
    engine.handle(order, payload).await
}

/// Sends one download as the page does: Begin, chunks of 7,000 bytes, End.
async fn download(engine: &mut Engine, job: u32, s: &Sample, bytes: &[u8]) -> Report {
    let begin = Order::Begin {
        job,
        sha256: s.sha256.clone(),
        expected_length: s.length,
    };
    assert!(order(engine, begin, JsValue::NULL).await.is_none());
    let mut told = 0;
    for chunk in bytes.chunks(7_000) {
        let took = order(engine, Order::Chunk { job }, Uint8Array::from(chunk).into()).await;
        match took {
            Some((Report::Took { bytes, .. }, _)) => told += bytes,
            None => {}
            other => panic!("a chunk was answered {other:?}"),
        }
    }
    // Told once per MiB taken: never more than came, never a MiB behind.
    assert!(told <= bytes.len() as u64 && bytes.len() as u64 - told < 1 << 20);
    order(engine, Order::End { job }, JsValue::NULL)
        .await
        .unwrap()
        .0
}

async fn add(engine: &mut Engine, zip: u32, job: u32) -> Result<u64, String> {
    match order(
        engine,
        Order::Add {
            id: 100 + job,
            zip,
            job,
        },
        JsValue::NULL,
    )
    .await
    {
        Some((Report::Done { result, .. }, _)) => result,
        other => panic!("Add was answered {other:?}"),
    }
}

async fn close(engine: &mut Engine, zip: u32) -> Vec<u8> {
    let manifest = Manifest {
        server: "https://al.example.org".into(),
        ..Manifest::default()
    };
    let closing = Order::Close {
        id: 99,
        zip,
        entries: manifest_entries(&manifest, &Default::default()).to_vec(),
    };
    let (report, blob) = order(engine, closing, JsValue::NULL).await.unwrap();
    assert!(
        matches!(report, Report::Done { result: Ok(_), .. }),
        "{report:?}"
    );
    let blob: web_sys::Blob = blob.dyn_into().expect("the finished zip as a Blob");
    let buffer = JsFuture::from(blob.array_buffer()).await.unwrap();
    Uint8Array::new(&buffer).to_vec()
}

async fn open(engine: &mut Engine, zip: u32, keeper: Keeper) {
    let opening = Order::Open {
        zip,
        keeper,
        file_name: "test.zip".into(),
        modified: WHEN,
    };
    let (report, _) = order(engine, opening, JsValue::NULL).await.unwrap();
    assert_eq!(
        report,
        Report::Done {
            id: zip,
            result: Ok(0)
        }
    );
}

/// The same files through the core natively: the reference zip.
fn native_zip(samples: &[&Sample]) -> Vec<u8> {
    let mut bundle = BundleWriter::new(Vec::new(), WHEN);
    for s in samples {
        bundle
            .add_cart(&s.sha256, s.cart.len() as u64, [&s.cart])
            .unwrap();
    }
    let manifest = Manifest {
        server: "https://al.example.org".into(),
        ..Manifest::default()
    };
    bundle.finish(&manifest).unwrap()
}

#[wasm_bindgen_test]
async fn the_worker_zips_a_set_byte_for_byte_like_the_core() {
    let mut engine = Engine::new().await;
    assert!(
        engine.has_scratch(),
        "a dedicated worker on a secure origin has synchronous OPFS handles"
    );
    let set = [
        sample(b"MZ tiny sample", "tiny.exe"),
        sample(&noise(700_000, 7), "noise.bin"),
        sample(&b"compressible ".repeat(50_000), "text.txt"),
        sample(b"", "empty"),
    ];
    open(&mut engine, 1, Keeper::Scratch).await;
    for (job, s) in (10..).zip(&set) {
        let verdict = download(&mut engine, job, s, &s.cart).await;
        assert_eq!(
            verdict,
            Report::Verified {
                job,
                cart_size: s.cart.len() as u64,
                stored_as_cart: false,
            }
        );
        add(&mut engine, 1, job).await.unwrap();
    }
    let zip = close(&mut engine, 1).await;
    assert!(
        zip == native_zip(&set.iter().collect::<Vec<_>>()),
        "zips differ"
    );
}

#[wasm_bindgen_test]
async fn corrupt_and_truncated_carts_are_rejected_and_leave_nothing_in_the_zip() {
    let mut engine = Engine::new().await;
    let good = sample(&noise(200_000, 1), "good.bin");
    let corrupt = sample(&noise(200_000, 2), "corrupt.bin");
    let truncated = sample(&noise(200_000, 3), "truncated.bin");
    open(&mut engine, 2, Keeper::Memory).await;

    let mut flipped = corrupt.cart.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x55;
    match download(&mut engine, 1, &corrupt, &flipped).await {
        Report::Rejected { job: 1, reason } => assert!(!reason.is_empty()),
        other => panic!("a corrupt cART was answered {other:?}"),
    }
    let cut = &truncated.cart[..truncated.cart.len() - 10];
    match download(&mut engine, 2, &truncated, cut).await {
        Report::Rejected { job: 2, reason } => assert!(!reason.is_empty()),
        other => panic!("a truncated cART was answered {other:?}"),
    }
    assert!(matches!(
        download(&mut engine, 3, &good, &good.cart).await,
        Report::Verified { job: 3, .. }
    ));
    // The rejected ones cannot be added: their bytes are gone.
    assert!(add(&mut engine, 2, 1).await.is_err());
    assert!(add(&mut engine, 2, 2).await.is_err());
    add(&mut engine, 2, 3).await.unwrap();
    let zip = close(&mut engine, 2).await;
    assert!(
        zip == native_zip(&[&good]),
        "the zip holds only the good file"
    );
}

#[wasm_bindgen_test]
async fn a_stored_cart_is_recognised_from_its_held_bytes_in_memory_and_on_disk() {
    let mut engine = Engine::new().await;
    // Above and below the size the worker keeps in memory while verifying.
    for (job, len) in [(1, 5_000_000), (2, 100_000)] {
        let cart = pack(&noise(len, job.into()), "inner.bin");
        let stored = Sample {
            sha256: hex(&Sha256::digest(&cart)),
            length: cart.len() as u64,
            cart: cart.clone(),
        };
        assert_eq!(
            download(&mut engine, job, &stored, &cart).await,
            Report::Verified {
                job,
                cart_size: cart.len() as u64,
                stored_as_cart: true,
            },
            "{len} bytes"
        );
        // Same size, another sha256: neither the file nor its wrapper.
        let other = Sample {
            sha256: "ab".repeat(32),
            ..stored
        };
        match download(&mut engine, job + 10, &other, &cart).await {
            Report::Rejected { reason, .. } => assert!(reason.contains("sha256"), "{reason}"),
            verdict => panic!("{len} bytes: a wrong file was answered {verdict:?}"),
        }
    }
}
