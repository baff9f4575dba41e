//! Browser tests: the shell's pieces that only exist in a browser (storage, Blobs, fetch
//! failures, mounted components), run in headless Chromium by wasm-bindgen-test-runner.
#![cfg(target_arch = "wasm32")]

use std::io::Write;

use al_collector::core::api::{Server, WhoAmI};
use al_collector::core::bundle::Keeper;
use al_collector::core::error::ApiError;
use al_collector::web::http::{Cancel, Transport};
use al_collector::web::key_store::{self, Credentials};
use al_collector::web::scratch;
use al_collector::web::zip_sink::ZipSink;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn window() -> web_sys::Window {
    web_sys::window().unwrap()
}

#[wasm_bindgen_test]
fn remembered_key_lives_in_session_storage_only_and_is_forgotten() {
    let creds = Credentials::new("alice", "k1:s3cret").unwrap();
    key_store::remember("https://al.example.org", &creds).expect("kept for the tab");
    let local = window().local_storage().unwrap().unwrap();
    for i in 0..local.length().unwrap() {
        let k = local.key(i).unwrap().unwrap();
        assert!(
            !local
                .get_item(&k)
                .unwrap()
                .unwrap_or_default()
                .contains("s3cret"),
            "key leaked to localStorage"
        );
    }
    let back = key_store::recall().expect("remembered");
    assert_eq!(back.server, "https://al.example.org");
    assert_eq!(back.credentials, creds);
    key_store::forget().expect("forgotten");
    assert!(key_store::recall().is_none());
    assert!(
        !format!("{creds:?}").contains("s3cret"),
        "Debug must hide the key"
    );
}

/// A tab storage that refuses (full, or a privacy mode) is said so in words, never ignored:
/// remembering and forgetting the key are promises to the user.
#[wasm_bindgen_test]
fn a_refusing_tab_storage_is_reported_not_ignored() {
    let creds = Credentials::new("alice", "k1:s3cret").unwrap();
    let swap = |method: &str| {
        js_sys::eval(&format!(
            "Storage.prototype.__{method} = Storage.prototype.{method};             Storage.prototype.{method} = function() {{ throw new DOMException('refused', 'QuotaExceededError'); }};"
        ))
        .unwrap();
    };
    let restore = |method: &str| {
        js_sys::eval(&format!(
            "Storage.prototype.{method} = Storage.prototype.__{method};"
        ))
        .unwrap();
    };
    swap("setItem");
    let kept = key_store::remember("https://al.example.org", &creds);
    restore("setItem");
    let words = kept.unwrap_err();
    assert!(
        words.contains("could not be kept") && words.contains("refused"),
        "{words}"
    );

    key_store::remember("https://al.example.org", &creds).unwrap();
    swap("removeItem");
    let forgotten = key_store::forget();
    restore("removeItem");
    let words = forgotten.unwrap_err();
    assert!(
        words.contains("could not be removed") && words.contains("close this tab"),
        "{words}"
    );
    key_store::forget().unwrap();
    assert!(key_store::recall().is_none());
}

#[wasm_bindgen_test]
fn credentials_are_checked_in_words() {
    assert!(Credentials::new("", "a:b")
        .unwrap_err()
        .contains("user name"));
    assert!(Credentials::new("u", "").unwrap_err().contains("API key"));
    assert!(Credentials::new("u", "nocolon")
        .unwrap_err()
        .contains("keyname:secret"));
}

async fn blob_bytes(blob: &web_sys::Blob) -> Vec<u8> {
    let buffer = JsFuture::from(blob.array_buffer()).await.unwrap();
    js_sys::Uint8Array::new(&buffer).to_vec()
}

#[wasm_bindgen_test]
async fn zip_sink_hands_bytes_to_blob_parts_in_order() {
    let mut sink = ZipSink::in_memory();
    let mut expected = Vec::new();
    // Crosses the 4 MiB copy-out boundary several times, with odd write sizes.
    for i in 0..300u32 {
        let piece: Vec<u8> = (0..(31_000 + i))
            .map(|j| (i.wrapping_mul(31) ^ j) as u8)
            .collect();
        sink.write_all(&piece).unwrap();
        expected.extend_from_slice(&piece);
    }
    assert_eq!(sink.bytes_written(), expected.len() as u64);
    let blob = sink.finish_blob().unwrap();
    assert_eq!(blob.size() as usize, expected.len());
    assert_eq!(blob.type_(), "application/zip");
    assert!(blob_bytes(&blob).await == expected, "bytes differ");
}

#[wasm_bindgen_test]
async fn scratch_zips_go_to_disk_and_only_finished_ones_are_swept() {
    assert!(
        scratch::available(),
        "headless Chromium has OPFS writable files"
    );
    let mut open = ZipSink::scratch("open.zip").await.unwrap();
    assert_eq!(open.keeper(), Keeper::Scratch);
    open.write_all(&[7u8; 5 << 20]).unwrap();
    open.settle().await.unwrap();
    let (_, closed) = scratch::create("closed.zip").await.unwrap();
    let close: js_sys::Function = js_sys::Reflect::get(&closed, &"close".into())
        .unwrap()
        .unchecked_into();
    JsFuture::from(js_sys::Promise::from(close.call0(&closed).unwrap()))
        .await
        .unwrap();
    let before = scratch::stored().await.unwrap();
    assert!(
        before.iter().any(|n| n.ends_with("-closed.zip")),
        "{before:?}"
    );
    // Nothing is too young here, but the file still being written is locked and stays.
    scratch::sweep_older_than(0.0).await;
    let after = scratch::stored().await.unwrap();
    assert!(
        after.iter().all(|n| !n.ends_with("-closed.zip")),
        "{after:?}"
    );
    assert!(after.iter().any(|n| n.ends_with("-open.zip")), "{after:?}");
    open.abort();
}

#[wasm_bindgen_test]
async fn unreachable_cross_origin_server_explains_cors() {
    let server = Server::parse("http://127.0.0.1:9", &al_collector::web::page_origin()).unwrap();
    let transport = Transport::new(server.clone(), Credentials::new("u", "k:s").unwrap(), 4);
    let err = transport
        .json::<WhoAmI>(server.whoami(), &Cancel::new())
        .await
        .unwrap_err();
    assert_eq!(err, ApiError::Network { cross_origin: true });
    let words = err.to_string();
    assert!(
        words.contains("CORS") && words.contains("same origin"),
        "{words}"
    );
    assert!(!words.contains("k:s"));
}

#[wasm_bindgen_test]
async fn a_page_that_is_not_assemblyline_is_named_as_such() {
    // The test runner's own server answers /api/… with its 404 page, not AL's JSON envelope.
    let server = Server::parse("", &al_collector::web::page_origin()).unwrap();
    let transport = Transport::new(server.clone(), Credentials::new("u", "k:s").unwrap(), 4);
    let err = transport
        .json::<WhoAmI>(server.whoami(), &Cancel::new())
        .await
        .unwrap_err();
    // Not Assemblyline's JSON envelope: named as such, not taken for a missing object.
    assert!(matches!(err, ApiError::NotJson { .. }), "{err:?}");
}

#[wasm_bindgen_test]
async fn cancel_before_sending_aborts_without_a_call() {
    let server = Server::parse("", &al_collector::web::page_origin()).unwrap();
    let transport = Transport::new(server.clone(), Credentials::new("u", "k:s").unwrap(), 4);
    let cancel = Cancel::new();
    cancel.cancel();
    let err = transport
        .json::<WhoAmI>(server.whoami(), &cancel)
        .await
        .unwrap_err();
    assert_eq!(err, ApiError::Aborted);
}

/// The first element matching `selector`, once the page has drawn it (within 5 s).
async fn drawn(selector: &str) -> web_sys::Element {
    let document = window().document().unwrap();
    for _ in 0..500 {
        if let Some(found) = document.query_selector(selector).unwrap() {
            return found;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    panic!("{selector} was never drawn");
}

fn input(id: &str) -> web_sys::HtmlInputElement {
    window()
        .document()
        .unwrap()
        .get_element_by_id(id)
        .unwrap()
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn connect_panel_reports_a_bad_server_url_and_keeps_the_key_out_of_the_page() {
    let document = window().document().unwrap();
    let host = document.create_element("section").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let _handle = leptos::mount::mount_to(host.clone().unchecked_into(), al_collector::ui::App);
    drawn("label[for='api-key']").await;
    for (label, id) in [
        ("Server URL", "server-url"),
        ("Username", "user"),
        ("API key", "api-key"),
    ] {
        let found = document
            .query_selector(&format!("label[for='{id}']"))
            .unwrap()
            .unwrap();
        assert_eq!(found.text_content().unwrap(), label);
    }
    assert_eq!(input("api-key").type_(), "password");

    for (id, value) in [
        ("server-url", "not a url"),
        ("user", "alice"),
        ("api-key", "k1:topsecret"),
    ] {
        let field = input(id);
        field.set_value(value);
        field
            .dispatch_event(&web_sys::Event::new("input").unwrap())
            .unwrap();
    }
    let connect = document
        .query_selector("button[type='submit']")
        .unwrap()
        .unwrap();
    connect.unchecked_ref::<web_sys::HtmlElement>().click();
    let text = drawn("[role='alert']").await.text_content().unwrap();
    assert!(text.contains("not a URL"), "{text}");
    assert!(
        !host.inner_html().contains("topsecret"),
        "the key must not appear in the page markup"
    );
    assert!(!window().location().href().unwrap().contains("topsecret"));
    host.remove();
}

/// One value, two views: the quick one redraws at most once per frame in which the value
/// changed, the costly one no closer together than its own gap; a run's end draws both at once.
#[wasm_bindgen_test]
async fn a_costly_view_redraws_no_closer_than_its_gap_and_at_once_at_the_end() {
    use std::cell::Cell;
    use std::rc::Rc;

    use al_collector::web::frame::Shared;
    use al_collector::web::now_ms;

    const GAP_MS: f64 = 400.0;
    let shared = Shared::with_gap(0u32, 0.0);
    let (quick, costly) = (Rc::new(Cell::new(0u32)), Rc::new(Cell::new(0u32)));
    let counter = |drawn: &Rc<Cell<u32>>| {
        let drawn = drawn.clone();
        move || drawn.set(drawn.get() + 1)
    };
    shared.on_frame(counter(&quick));
    shared.on_frame_every(GAP_MS, counter(&costly));

    let started = now_ms();
    for _ in 0..30 {
        shared.update(|v| *v += 1);
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    let elapsed = now_ms() - started;
    assert!(
        quick.get() >= 10,
        "the quick view drew {} times in {elapsed:.0} ms of changes",
        quick.get()
    );
    let most = 1 + (elapsed / GAP_MS) as u32;
    assert!(
        (1..=most).contains(&costly.get()),
        "the costly view drew {} times in {elapsed:.0} ms (at most {most})",
        costly.get()
    );

    let before = (quick.get(), costly.get());
    shared.draw_now();
    assert_eq!((quick.get(), costly.get()), (before.0 + 1, before.1 + 1));
}
