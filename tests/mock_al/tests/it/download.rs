//! `/file/download/`: real cART, headers, raw, bad encodings, missing blobs, broken bodies.

use cart_container::unpack_stream;
use mock_al::Config;
use serde_json::json;

use crate::client::{enc, Mock};

fn unpack(bytes: &[u8]) -> (Vec<u8>, serde_json::Value, serde_json::Value) {
    let mut out = Vec::new();
    let (h, f) = unpack_stream(bytes, &mut out, None).expect("valid cART");
    (out, json!(h), json!(f))
}

#[tokio::test]
async fn cart_round_trip_and_headers() {
    let m = Mock::start(Config::default()).await;
    let ds = m.server.dataset();
    let name = mock_al::UNICODE_NAME;
    let sha = ds.sample_sha256(name).unwrap().to_string();
    let sid = ds.sample_sid("dropper").unwrap().to_string();
    let r = m
        .get(&format!(
            "/api/v4/file/download/{sha}/?encoding=cart&name={}&sid={sid}",
            enc(name)
        ))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    assert_eq!(
        r.header("content-length")
            .unwrap()
            .parse::<usize>()
            .unwrap(),
        r.body.len()
    );
    assert_eq!(
        r.header("content-disposition").unwrap(),
        format!(
            "attachment; filename=file.bin; filename*=UTF-8''{}.cart",
            enc(name)
        )
    );
    assert_eq!(&r.body[..4], b"CART");
    let (plain, header, footer) = unpack(&r.body);
    assert_eq!(plain, ds.file_bytes(&sha).unwrap());
    assert_eq!(footer["sha256"], sha);
    assert_eq!(footer["length"], plain.len().to_string());
    assert!(footer["md5"].is_string() && footer["sha1"].is_string());
    assert_eq!(header["name"], name);
    assert_eq!(
        header["source"], "mail-gateway",
        "submission metadata goes into the header"
    );
    assert_eq!(header["original_source"], "smtp://mx1.example.org");

    // Default name is the sha256; encoding defaults to cart.
    let d = m.get(&format!("/api/v4/file/download/{sha}/")).await;
    assert_eq!(unpack(&d.body).1["name"], sha);

    let raw = m
        .get(&format!("/api/v4/file/download/{sha}/?encoding=raw"))
        .await;
    assert_eq!(raw.body, ds.file_bytes(&sha).unwrap());
    let bad = m
        .get(&format!("/api/v4/file/download/{sha}/?encoding=base64"))
        .await;
    assert_eq!(
        (bad.status, bad.error()),
        (
            403,
            "BASE64 is not in the valid encoding types: ['cart', 'raw', 'zip']".to_string()
        )
    );

    let big = ds.sample_sha256("big_payload.bin").unwrap().to_string();
    let r = m
        .get(&format!("/api/v4/file/download/{big}/?encoding=cart"))
        .await;
    assert_eq!(unpack(&r.body).2["sha256"], big);
}

#[tokio::test]
async fn missing_blob_and_unknown_file() {
    let m = Mock::start(Config::default()).await;
    let ds = m.server.dataset();
    let loader = ds.sample_sha256("loader.bin").unwrap();
    for sha in [loader, &"0".repeat(64)] {
        let r = m
            .get(&format!("/api/v4/file/download/{sha}/?encoding=cart"))
            .await;
        assert_eq!(
            (r.status, r.error()),
            (404, "The file was not found in the system.".to_string())
        );
        assert_eq!(r.data(), json!({}));
    }
}

#[tokio::test]
async fn truncated_and_corrupted_downloads() {
    let m = Mock::start(Config::default()).await;
    let ds = m.server.dataset();
    let a = ds.sample_sha256("invoice.exe").unwrap().to_string();
    let b = ds.sample_sha256("macro.vba").unwrap().to_string();
    let good_a = m.get(&format!("/api/v4/file/download/{a}/")).await.body;
    let cfg = m
        .control(
            "POST",
            "/__mock/config/",
            Some(&json!({"truncate_downloads": [a], "corrupt_downloads": [b]})),
        )
        .await;
    assert_eq!(cfg.status, 200);
    let ta = m.get(&format!("/api/v4/file/download/{a}/")).await;
    assert_eq!(ta.status, 200);
    assert!(ta.body.len() < good_a.len());
    assert!(unpack_stream(&ta.body[..], &mut Vec::new(), None).is_err());
    let cb = m.get(&format!("/api/v4/file/download/{b}/")).await;
    let mut out = Vec::new();
    let broken = match unpack_stream(&cb.body[..], &mut out, None) {
        Err(_) => true,
        Ok(_) => out != ds.file_bytes(&b).unwrap(),
    };
    assert!(broken, "a flipped byte must not decode to the original");
}
