//! Native tests for the cART verifier. Fixtures come from two writers: three files made by the
//! official Python `cart` 1.2.3 (what Assemblyline itself runs), embedded as hex, and files made
//! on the fly by the Rust `cart_container` crate.

use super::*;
use cart_container::JsonMap;

use crate::core::test_support::Rng;

fn sha(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Deterministic incompressible bytes.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    Rng::new(seed).bytes(len)
}

fn name_header(name: &str) -> JsonMap {
    [("name".to_string(), Value::from(name))]
        .into_iter()
        .collect()
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
}

fn put_u64(bytes: &mut [u8], at: usize, value: u64) {
    bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
}

/// cart_container 1.0.0 as packed, bug included: it records the optional footer's position
/// before flushing the compressor, so the position points into the data.
fn pack_raw(data: &[u8], header: Option<JsonMap>, key: Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    cart_container::pack_stream(
        data,
        &mut out,
        header,
        None,
        cart_container::digesters::default_digesters(),
        key,
    )
    .unwrap();
    out
}

/// A correct cART file: cart_container's output with the footer position repaired to where
/// cart.py puts it (just after the compressed data).
fn pack(data: &[u8], header: Option<JsonMap>) -> Vec<u8> {
    let mut out = pack_raw(data, header, None);
    let n = out.len();
    let flen = u64_at(&out, n - 8);
    put_u64(&mut out, n - 16, n as u64 - 28 - flen);
    out
}

/// Decrypts the optional footer, lets `edit` change it, and re-encrypts it in place (the
/// edits used keep its length).
fn edit_footer(cart: &mut [u8], edit: impl FnOnce(&mut Map<String, Value>)) {
    let n = cart.len();
    let (pos, len) = (u64_at(cart, n - 16) as usize, u64_at(cart, n - 8) as usize);
    let key: [u8; 16] = cart[14..30].try_into().unwrap();
    let mut footer = decrypt_json(&key, cart[pos..pos + len].to_vec(), "footer").unwrap();
    edit(&mut footer);
    let mut bytes = serde_json::to_vec(&footer).unwrap();
    assert_eq!(bytes.len(), len, "edit must keep the footer length");
    rc4(&key).unwrap().apply_keystream(&mut bytes);
    cart[pos..pos + len].copy_from_slice(&bytes);
}

fn verify_chunked(cart: &[u8], expected: &str, chunk: usize) -> Result<CartReport, CartError> {
    let mut v = CartVerifier::new(expected);
    for part in cart.chunks(chunk) {
        v.update(part)?;
    }
    v.finish()
}

const PY_EMPTY: &str = "4341525401000000000000000000030104010509020603010401050902061400000000000000c2a4a55c53d543f779703bd4754aced1c7928b40c187c83d3eb061ccc2a4a75850d715a5792f7494231fc2c8dbd38b07b02848262e420dd2b9e03073207800c427313eb41915302381d3f3d05b125f11bd333ddae5070928ec4ff043835a8885efa519f8f2baddb309502fe38f62600865dd3ce5ce7798bad020a0d1031206165b81e348ee521cecf42e6b790a970b25b59676218f2d42a8ea410598d18ad6815ab733ad6fb1283abac2b5ce69218984b6cefc9171ddee5825501ed080b165a5627c5220abc0a0c23cb237858d103358d15452414300000000000000004200000000000000b500000000000000";
const PY_EICAR: &str = "4341525401000000000000000000030104010509020603010401050902064200000000000000c2a4a8515fc312a43d7c35c5755a8fcb9ddc8b69de1c4654063f2fe4a2f4742d717757d6297675d05c15397f80c5e5db3f535d16bd2831a4b41e343be010aa42c014c187400dcbe76d9d2e655a2c37bae92d35d69cec9ac4af233d0cb8822f8d27b6646c3e261e5a76785a54056868c364bd922a9e2ad21cc7f5e76266c8bb862656b73d40342a107ecde3d8ad88c2a4a75850d715a5792f74923911cc87d2829c1fa86e48232e425680b1ea3026712253cc756731e84c1d3b7f8884a78e02440f16ea7733d4b41c0078ff57e805d15a88d1e4f54aaef2b48ee159027ce38565310f668f68eacb73cebcd121f286514458175880ee5ae05c4df7fd7d6c7a1e8f1362b4c373238b2b41f3b041049f8683dbdd0ee535ff6ce3283aba92e4c8322ad987b799aac3238ee35b740a4e8fd6b767f63571522aaa90a39762b130d6d341361c8ebe545241430000000000000000b400000000000000b600000000000000";
const PY_NO_HEADER: &str = "4341525401000000000000000000030104010509020603010401050902060000000000000000c18700f669782980175c7ba6537649f9bfcd2d38a7c2a4a75850d715a5792f74953411cc87d2829c1fa86e44717d4d0fd0e1e13525257b0b962a3164bf18466a7b8c85a08e53445442e02633d4b41c0078ff57e805d30fd4d7b9f54df4a6e9dce108597de5d9623053618e6aebc978cae98b2ea7890340081554d5ed5ce05c4df7fd7d6c7a1e8f1362b39076208a2b48a4e6115391808f808f0fe764f863e02466e1c7e3cf63778d8eb99efbc6768fe30f26081fd186b260f56777537da4c4fbcd60b133d0d71d3e4e8ebe5452414300000000000000003b00000000000000b600000000000000";
const EICAR: &[u8] = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

#[test]
fn files_written_by_python_cart_verify() {
    let r = verify(&unhex(PY_EMPTY), &sha(b"")).unwrap();
    assert_eq!(
        (r.length, r.cart_size, r.name.as_deref()),
        (0, 275, Some("empty.txt"))
    );
    assert_eq!(r.footer["md5"], "d41d8cd98f00b204e9800998ecf8427e");

    let r = verify(&unhex(PY_EICAR), &sha(EICAR)).unwrap();
    assert_eq!(r.length, EICAR.len() as u64);
    assert_eq!(r.name.as_deref(), Some("résumé \"q\".exe"));
    assert_eq!(r.header["classification"], "TLP:CLEAR");

    let r = verify(&unhex(PY_NO_HEADER), &sha(b"no header here\n")).unwrap();
    assert_eq!((r.name, r.header.len(), r.length), (None, 0, 15));
}

#[test]
fn valid_files_verify_whatever_the_chunking() {
    let small = b"MZ\x90\x00 tiny sample".repeat(3);
    let medium = b"compressible text, ".repeat(10_000);
    let big = noise(2_000_000, 7);
    for (data, chunks) in [
        (&b""[..], &[1usize, 7, 65536][..]),
        (&small[..], &[1, 7, 65536]),
        (&medium[..], &[1, 7, 65536]),
        (&big[..], &[7, 65536, usize::MAX]),
    ] {
        for header in [None, Some(name_header("sample.exe"))] {
            let named = header.is_some();
            let cart = pack(data, header);
            // The oracle agrees on the content.
            let mut plain = Vec::new();
            cart_container::unpack_stream(&cart[..], &mut plain, None).unwrap();
            assert_eq!(plain, data);
            for &chunk in chunks {
                let r = verify_chunked(&cart, &sha(data), chunk).unwrap();
                assert_eq!(r.sha256, sha(data));
                assert_eq!(r.length, data.len() as u64);
                assert_eq!(r.cart_size, cart.len() as u64);
                assert_eq!(r.name.as_deref(), named.then_some("sample.exe"));
                assert_eq!(r.footer["sha256"], Value::from(sha(data)));
            }
        }
    }
}

#[test]
fn cart_container_footer_position_bug_is_caught() {
    let cart = pack_raw(b"hello", Some(name_header("h.txt")), None);
    let err = verify(&cart, &sha(b"hello")).unwrap_err();
    assert!(
        matches!(err, CartError::FooterPosition { pos: 54, .. }),
        "{err}"
    );
}

#[test]
fn every_truncation_is_an_error() {
    for cart in [
        unhex(PY_EICAR),
        unhex(PY_EMPTY),
        pack(&noise(60_000, 3), Some(name_header("n"))),
    ] {
        let expected = verify(&cart, "").map_or_else(
            |e| match e {
                CartError::WrongContent { actual, .. } => actual,
                other => panic!("{other}"),
            },
            |r| r.sha256,
        );
        let step = if cart.len() > 1000 { 997 } else { 1 };
        let cuts = (0..cart.len())
            .step_by(step)
            .chain(cart.len().saturating_sub(250)..cart.len());
        for cut in cuts {
            let err = verify(&cart[..cut], &expected).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains("truncated") || text.contains("footer") || text.contains("TRAC"),
                "cut {cut}: {text}"
            );
        }
    }
}

#[test]
fn wrong_magic_fails_at_once_and_names_what_came() {
    let mut v = CartVerifier::new(&sha(b""));
    let err = v
        .update(br#"{"api_response": "", "api_error_message": "nope"}"#)
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("not a cART file: it starts with \"{\\\"ap\" instead of \"CART\""),
        "{err}"
    );
    assert!(err.to_string().contains("JSON error"), "{err}");
    // Sticky: the verifier keeps reporting the first failure.
    assert_eq!(v.update(b"more").unwrap_err(), err);
    assert_eq!(v.finish().unwrap_err(), err);

    let mut v = CartVerifier::new("");
    let err = v.update(b"MZ\x90\x00").unwrap_err();
    assert!(err.to_string().contains("NOT cART-encoded"), "{err}");
    let err = verify(b"PK\x03\x04rest", "").unwrap_err();
    assert!(err.to_string().contains("zip archive"), "{err}");
}

#[test]
fn header_fields_are_checked_after_38_bytes() {
    let good = unhex(PY_EICAR);
    let mut bad = good.clone();
    bad[4] = 2;
    let mut v = CartVerifier::new("");
    assert_eq!(v.update(&bad[..38]), Err(CartError::Version(2)));

    let mut bad = good.clone();
    bad[6] = 1;
    assert_eq!(verify(&bad, ""), Err(CartError::Reserved("header")));

    let mut bad = good.clone();
    put_u64(&mut bad, 30, u64::MAX);
    let mut v = CartVerifier::new("");
    assert_eq!(
        v.update(&bad[..38]),
        Err(CartError::TooLarge {
            part: "header",
            len: u64::MAX
        })
    );

    let mut bad = good;
    bad[38] ^= 0x55; // the opening brace
    assert!(matches!(
        verify(&bad, &sha(EICAR)),
        Err(CartError::BadJson { part: "header", .. })
    ));
}

#[test]
fn private_key_is_reported() {
    let cart = pack_raw(b"secret", None, Some(b"0123456789abcdef".to_vec()));
    let mut v = CartVerifier::new(&sha(b"secret"));
    let err = v.update(&cart[..38]).unwrap_err();
    assert_eq!(err, CartError::PrivateKey);
    assert!(err.to_string().contains("encrypted with a private key"));
}

#[test]
fn wrong_expected_sha256_names_both() {
    let err = verify(&unhex(PY_EICAR), &"ab".repeat(32)).unwrap_err();
    assert_eq!(
        err,
        CartError::WrongContent {
            actual: sha(EICAR),
            expected: "ab".repeat(32)
        }
    );
    assert!(err
        .to_string()
        .contains(&format!("content sha256 is {}, expected abab", sha(EICAR))));
    // Upper case or padded expectations are still the same sha256.
    assert!(verify(
        &unhex(PY_EICAR),
        &format!(" {} ", sha(EICAR).to_uppercase())
    )
    .is_ok());
}

#[test]
fn footer_claims_must_match_the_content() {
    let mut cart = unhex(PY_EICAR);
    edit_footer(&mut cart, |f| {
        f.insert("sha256".into(), Value::from("0".repeat(64)));
    });
    let err = verify(&cart, &sha(EICAR)).unwrap_err();
    assert!(
        matches!(
            err,
            CartError::FooterDigest {
                field: "sha256",
                ..
            }
        ),
        "{err}"
    );

    let mut cart = unhex(PY_EICAR);
    edit_footer(&mut cart, |f| {
        f.insert("length".into(), Value::from("99"));
    });
    let err = verify(&cart, &sha(EICAR)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the footer's length is 99 but the content gives 68: the file is damaged"
    );
}

#[test]
fn flipped_content_bytes_are_caught() {
    let data = noise(50_000, 11);
    let cart = pack(&data, Some(name_header("x")));
    let data_start = 38 + u64_at(&cart, 30) as usize;
    let data_end = u64_at(&cart, cart.len() - 16) as usize;
    for at in (data_start..data_end).step_by(1_013) {
        let mut bad = cart.clone();
        bad[at] ^= 0x01;
        assert!(verify(&bad, &sha(&data)).is_err(), "flip at {at}");
    }
}

#[test]
fn footer_offsets_are_checked_without_overflow() {
    let good = unhex(PY_EICAR);
    let n = good.len();
    for (pos, len) in [
        (n as u64, 182),
        (u64::MAX, 182),
        (0xb4, u64::MAX),
        (u64::MAX, u64::MAX),
        (0xb4, 183),
    ] {
        let mut bad = good.clone();
        put_u64(&mut bad, n - 16, pos);
        put_u64(&mut bad, n - 8, len);
        let err = verify(&bad, &sha(EICAR)).unwrap_err();
        assert!(
            err.to_string().contains("footer points past the end"),
            "{pos} {len}: {err}"
        );
    }
    let mut bad = good.clone();
    put_u64(&mut bad, n - 16, 0xb3);
    assert_eq!(
        verify(&bad, &sha(EICAR)),
        Err(CartError::FooterPosition {
            pos: 0xb3,
            data_end: 0xb4
        })
    );
    let mut bad = good;
    bad[n - 20] = 1;
    assert_eq!(
        verify(&bad, &sha(EICAR)),
        Err(CartError::Reserved("footer"))
    );
}

#[test]
fn content_longer_than_recorded_stops_early() {
    let data = vec![0u8; 5_000_000];
    let cart = pack(&data, None);
    assert!(cart.len() < 50_000, "zeros compress well: {}", cart.len());
    let mut v = CartVerifier::new(&sha(&data)).with_expected_length(1_000);
    let err = cart.chunks(100).find_map(|c| v.update(c).err()).unwrap();
    assert_eq!(err, CartError::TooLong { expected: 1_000 });
    assert!(err.to_string().contains("longer than the 1000 bytes"));
    let ok = CartVerifier::new(&sha(&data)).with_expected_length(5_000_000);
    assert!(verify_with(ok, &cart).is_ok());
}

fn verify_with(mut v: CartVerifier, cart: &[u8]) -> Result<CartReport, CartError> {
    v.update(cart)?;
    v.finish()
}

#[test]
fn trailing_garbage_is_refused() {
    let good = unhex(PY_EICAR);
    let mut bad = good.clone();
    bad.extend_from_slice(b"\n");
    assert!(matches!(
        verify(&bad, &sha(EICAR)),
        Err(CartError::BadFooter { .. })
    ));

    // A second copy of a valid footer still leaves bytes nobody accounts for.
    let mut bad = good.clone();
    bad.extend_from_slice(&good[good.len() - 28..]);
    assert!(verify(&bad, &sha(EICAR)).is_err());

    // Endless garbage is refused while it streams in, not buffered.
    let mut v = CartVerifier::new(&sha(EICAR));
    v.update(&good).unwrap();
    let junk = vec![0u8; 64 * 1024];
    let failed = (0..40).find_map(|_| v.update(&junk).err());
    assert!(matches!(failed, Some(CartError::Garbage(_))), "{failed:?}");
}

/// Deterministic mutations of valid files: whatever the damage, the verifier answers Ok or Err
/// and never panics, and Ok only ever vouches for the right content.
#[test]
fn mutations_never_panic_and_never_pass_wrong_content() {
    let sources = [
        (unhex(PY_EICAR), sha(EICAR)),
        (
            pack(&noise(3_000, 5), Some(name_header("f"))),
            sha(&noise(3_000, 5)),
        ),
    ];
    let mut rng = Rng::new(1);
    let mut next = move || rng.draw();
    let mut oks = 0;
    for case in 0..4_000 {
        let (source, expected) = &sources[case % 2];
        let mut bytes = source.clone();
        let n = bytes.len();
        let at = (next() as usize) % n;
        match case % 6 {
            0 => bytes[at] ^= 1 << (next() % 8),
            1 => bytes.truncate(at),
            2 => bytes.insert(at, next() as u8),
            3 => {
                bytes.remove(at);
            }
            4 => {
                let field = [30, n - 16, n - 8][(next() % 3) as usize];
                let value =
                    [0, 1, u64::MAX, u64::MAX - 27, n as u64, next()][(next() % 6) as usize];
                put_u64(&mut bytes, field, value);
            }
            _ => bytes[at] = next() as u8,
        }
        let chunk = 1 + (next() as usize) % 64;
        if verify_chunked(&bytes, expected, chunk).is_ok() {
            // An independent decoder (the official cart_container) must agree: what we
            // vouched for unpacks to the expected content. It panics on some hostile input,
            // which then cannot be an input we accepted.
            let official = std::panic::catch_unwind(|| {
                let mut plain = Vec::new();
                cart_container::unpack_stream(&bytes[..], &mut plain, None).map(|_| plain)
            });
            match official {
                Ok(Ok(plain)) => assert_eq!(&sha(&plain), expected, "case {case}"),
                other => panic!("case {case}: accepted, but the official decoder says {other:?}"),
            }
            oks += 1;
        }
    }
    // Some mutations are harmless (e.g. writing the same byte back), most are not.
    assert!(oks < 400, "{oks} mutated files passed");
}

#[test]
fn a_stored_cart_comes_back_unchanged_and_is_accepted_by_its_own_sha256() {
    // The stored file is a cART of compressible content, so its content is longer than the
    // size Assemblyline recorded (the cART's): the bomb guard trips, then the bytes match.
    let inner = vec![7u8; 200_000];
    let stored = pack(&inner, Some(name_header("inner.bin")));
    let asked = sha(&stored);
    for chunk in [1, 100, 4096, stored.len()] {
        let v = CartVerifier::new(&asked).with_expected_length(stored.len() as u64);
        let mut v = v;
        for part in stored.chunks(chunk) {
            v.update(part).unwrap();
        }
        let report = v.finish().unwrap();
        assert!(report.stored_as_cart, "chunk {chunk}");
        assert_eq!(report.sha256, asked);
        assert_eq!(report.length, stored.len() as u64);
        assert_eq!(report.cart_size, stored.len() as u64);
        assert_eq!(report.name.as_deref(), Some("inner.bin"));
    }
    // Incompressible content: the content check itself fails, then the bytes match.
    let inner = noise(3_000, 5);
    let stored = pack(&inner, None);
    let v = CartVerifier::new(&sha(&stored)).with_expected_length(stored.len() as u64);
    assert!(verify_with(v, &stored).unwrap().stored_as_cart);
    // Without a recorded size too.
    assert!(verify(&stored, &sha(&stored)).unwrap().stored_as_cart);
    // A normal download is not one.
    assert!(!verify(&stored, &sha(&inner)).unwrap().stored_as_cart);
}

#[test]
fn a_cart_that_is_neither_the_file_nor_its_wrapper_still_fails() {
    let inner = noise(3_000, 9);
    let stored = pack(&inner, None);
    let other = "ab".repeat(32);
    assert!(matches!(
        verify(&stored, &other),
        Err(CartError::WrongContent { .. })
    ));
    // The right bytes, but the server recorded another size: not the stored file.
    let v = CartVerifier::new(&sha(&stored)).with_expected_length(stored.len() as u64 + 1);
    assert!(matches!(
        verify_with(v, &stored),
        Err(CartError::WrongContent { .. })
    ));
    // A longer-than-recorded content whose bytes are not the asked file keeps its error.
    let zeros = vec![0u8; 100_000];
    let cart = pack(&zeros, None);
    let v = CartVerifier::new(&"ab".repeat(32)).with_expected_length(cart.len() as u64);
    assert_eq!(
        verify_with(v, &cart).unwrap_err(),
        CartError::TooLong {
            expected: cart.len() as u64
        }
    );
}

/// Verifies `cart` chunk by chunk, the bytes hashed only when asked; returns the verdict and
/// how often they were hashed.
fn verify_on_demand(
    asked: &str,
    length: Option<u64>,
    cart: &[u8],
) -> (Result<CartReport, CartError>, usize) {
    let mut v = CartVerifier::new(asked).hashing_bytes_on_demand();
    if let Some(length) = length {
        v = v.with_expected_length(length);
    }
    for part in cart.chunks(4096) {
        if let Err(e) = v.update(part) {
            return (Err(e), 0);
        }
    }
    let mut asked_for = 0;
    let verdict = v.finish_or_hash_bytes(|| {
        asked_for += 1;
        Some(sha(cart))
    });
    (verdict, asked_for)
}

#[test]
fn bytes_hashed_on_demand_give_the_same_verdicts_and_are_hashed_only_when_they_can_matter() {
    let compressible = pack(&vec![7u8; 200_000], Some(name_header("inner.bin")));
    let incompressible_inner = noise(3_000, 5);
    let incompressible = pack(&incompressible_inner, None);
    let len = |b: &[u8]| b.len() as u64;
    // (case, sha256 asked, recorded size, bytes, how often they must be hashed again)
    type Case<'a> = (&'a str, String, Option<u64>, &'a [u8], usize);
    let cases: Vec<Case> = vec![
        // A stored cART, its content longer than recorded, then one whose content fails.
        (
            "stored, bomb guard",
            sha(&compressible),
            Some(len(&compressible)),
            &compressible,
            1,
        ),
        (
            "stored",
            sha(&incompressible),
            Some(len(&incompressible)),
            &incompressible,
            1,
        ),
        (
            "stored, no size",
            sha(&incompressible),
            None,
            &incompressible,
            1,
        ),
        // A normal download verifies without a second pass.
        (
            "normal",
            sha(&incompressible_inner),
            Some(3_000),
            &incompressible,
            0,
        ),
        // Wrong file: hashed only when the size matches exactly.
        (
            "wrong, same size",
            "ab".repeat(32),
            Some(len(&incompressible)),
            &incompressible,
            1,
        ),
        (
            "wrong, other size",
            "ab".repeat(32),
            Some(len(&incompressible) + 1),
            &incompressible,
            0,
        ),
        (
            "wrong, too long",
            "ab".repeat(32),
            Some(10),
            &incompressible,
            0,
        ),
    ];
    for (case, asked, length, cart, hashes) in cases {
        let mut eager = CartVerifier::new(&asked);
        if let Some(length) = length {
            eager = eager.with_expected_length(length);
        }
        let expected = cart
            .chunks(4096)
            .try_for_each(|part| eager.update(part))
            .and_then(|()| eager.finish());
        let (verdict, asked_for) = verify_on_demand(&asked, length, cart);
        assert_eq!(verdict, expected, "{case}");
        assert_eq!(asked_for, hashes, "{case}");
    }
    // Bytes the caller cannot hash again are not the stored file.
    let mut v = CartVerifier::new(&sha(&incompressible))
        .hashing_bytes_on_demand()
        .with_expected_length(len(&incompressible));
    v.update(&incompressible).unwrap();
    assert!(matches!(
        v.finish_or_hash_bytes(|| None),
        Err(CartError::WrongContent { .. })
    ));
}
