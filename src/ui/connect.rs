use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{ErrorLine, Session};
use crate::core::api::{Server, WhoAmI};
use crate::core::retry::{parse_parallelism, DEFAULT_PARALLELISM};
use crate::web::http::{Cancel, Transport};
use crate::web::page_origin;
use crate::web::session::{self, Credentials};

/// Server URL, user and key; Connect checks them with whoami before anything else runs.
#[component]
pub fn ConnectPanel() -> impl IntoView {
    let session = expect_context::<Session>();
    let server_url = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let remember = RwSignal::new(false);
    let parallel = RwSignal::new(DEFAULT_PARALLELISM.to_string());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let connect = move |server_text: String, credentials: Credentials, keep: bool| {
        let server = match Server::parse(&server_text, &web_origin()) {
            Ok(server) => server,
            Err(e) => return error.set(Some(e.to_string())),
        };
        let parallelism = match parse_parallelism(&parallel.get_untracked()) {
            Ok(n) => n,
            Err(e) => return error.set(Some(e)),
        };
        let transport = Transport::new(server, credentials.clone(), parallelism);
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let call = transport.server.whoami();
            match transport.json::<WhoAmI>(call, &Cancel::new()).await {
                Ok(me) => {
                    if keep {
                        session::remember(&server_text, &credentials);
                    } else {
                        session::forget();
                    }
                    key.set(String::new());
                    session.transport.set(Some(transport));
                    session.whoami.set(Some(me));
                }
                Err(e) => {
                    session.transport.set(None);
                    session.whoami.set(None);
                    error.set(Some(e.to_string()));
                }
            }
            busy.set(false);
        });
    };

    // A key remembered for this tab reconnects by itself after a reload.
    if let Some(saved) = session::recall() {
        server_url.set(saved.server.clone());
        user.set(saved.credentials.user.clone());
        remember.set(true);
        connect(saved.server, saved.credentials, true);
    }

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match Credentials::new(&user.get(), &key.get()) {
            Ok(credentials) => connect(server_url.get(), credentials, remember.get()),
            Err(e) => error.set(Some(e)),
        }
    };
    let forget = move |_| {
        session::forget();
        session.transport.set(None);
        session.whoami.set(None);
        key.set(String::new());
        remember.set(false);
        error.set(None);
    };

    view! {
        <form class="connect" on:submit=on_submit autocomplete="off" novalidate>
            <label for="server-url">"Server URL"</label>
            <input id="server-url" type="url" placeholder="empty = this page's server" bind:value=server_url />
            <label for="user">"Username"</label>
            <input id="user" type="text" autocomplete="username" bind:value=user />
            <label for="api-key">"API key"</label>
            <input id="api-key" type="password" autocomplete="off" placeholder="keyname:secret" bind:value=key />
            <label for="parallel">"Parallel calls"</label>
            <input id="parallel" type="text" inputmode="numeric" bind:value=parallel
                title="Calls to Assemblyline at once (1 to 10). Its default quota is 10 per user, shared with your open Assemblyline tabs." />
            <label class="check">
                <input type="checkbox" bind:checked=remember />
                "Remember for this tab (sessionStorage: readable by scripts on this origin)"
            </label>
            <div class="buttons">
                <button type="submit" disabled=move || busy.get()>"Connect"</button>
                <button type="button" on:click=forget>"Forget key"</button>
            </div>
        </form>
        <ErrorLine message=error />
        <FromFileNote />
        <Show when=move || busy.get()>
            <p class="status" role="status">"Connecting…"</p>
        </Show>
        {move || session.whoami.get().map(|me| view! { <Identity me=me /> })}
    }
}

#[component]
fn Identity(me: WhoAmI) -> impl IntoView {
    let can_download = me.has_role("file_download");
    let roles = if me.roles.is_empty() {
        "none".to_string()
    } else {
        me.roles.join(", ")
    };
    view! {
        <div class="identity" role="status">
            <p>
                "Connected as " <strong class="username">{me.username.clone()}</strong>
                {(!me.name.is_empty()).then(|| format!(" ({})", me.name))}
            </p>
            <p class="roles">"Roles: " {roles}</p>
            <Show when=move || !can_download>
                <p class="warning">
                    "This account lacks the 'file_download' role: IoCs work, but file collection will be refused. "
                    "Ask an Assemblyline administrator, or use a key of an account that may download."
                </p>
            </Show>
        </div>
    }
}

/// A page opened from `file://` has no web origin, and Assemblyline allows no cross-origin
/// calls: say so before the first try, with the two ways out.
#[component]
fn FromFileNote() -> impl IntoView {
    (web_origin() == "null").then(|| {
        view! {
            <p class="warning connect-origin" role="note">
                "This page was opened from a file, so it has no web origin, and Assemblyline does not allow cross-origin calls "
                "(it sends no CORS headers): the browser will refuse to reach it from here. Two fixes: open AL Collector from the "
                "Assemblyline host itself (e.g. https://<al-host>/collector/, same origin), or from a reverse proxy that serves "
                "the page and forwards /api/ to Assemblyline (see deploy/README.md)."
            </p>
        }
    })
}

/// The page's origin, "null" when it has none: Chromium reports "file://" for pages opened
/// from disk where the standard (and Firefox) say "null".
fn web_origin() -> String {
    let origin = page_origin();
    if origin.starts_with("file:") {
        "null".into()
    } else {
        origin
    }
}
