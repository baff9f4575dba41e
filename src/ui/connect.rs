use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Connection, ErrorLine};
use crate::core::api::{Server, WhoAmI};
use crate::core::error::ApiError;
use crate::core::login::check_login;
use crate::core::retry::{parse_parallelism, DEFAULT_PARALLELISM};
use crate::web::http::{Auth, Cancel, Transport};
use crate::web::key_store::{self, Credentials};
use crate::web::{cookies, page_origin};

/// Server URL, user and key; Connect checks them with whoami before anything else runs.
#[component]
pub fn ConnectPanel() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let server_url = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let remember = RwSignal::new(false);
    let parallel = RwSignal::new(DEFAULT_PARALLELISM.to_string());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    // `credentials` None: the analyst's Assemblyline login (cookies + XSRF header).
    let connect = move |server_text: String, credentials: Option<Credentials>, keep: bool| {
        let server = match Server::parse(&server_text, &web_origin()) {
            Ok(server) => server,
            Err(e) => return error.set(Some(e.to_string())),
        };
        let parallelism = match parse_parallelism(&parallel.get_untracked()) {
            Ok(n) => n,
            Err(e) => return error.set(Some(e)),
        };
        let auth = match &credentials {
            Some(credentials) => Auth::ApiKey(credentials.clone()),
            None => {
                if let Err(why) = check_login(&server, &web_origin(), &cookies()) {
                    return error.set(Some(why));
                }
                // No key is in use: one remembered for this tab goes.
                if let Err(words) = key_store::forget() {
                    return error.set(Some(words));
                }
                Auth::Login {
                    user: String::new(),
                }
            }
        };
        let transport = Transport::with_auth(server, auth, parallelism);
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let call = transport.server.whoami();
            let whoami_url = call.url.clone();
            let answer = transport.json::<WhoAmI>(call, &Cancel::new()).await;
            busy.set(false);
            let me = match answer {
                Ok(me) => me,
                Err(e) => {
                    connection.transport.set(None);
                    connection.whoami.set(None);
                    let words = match (&credentials, &e) {
                        (None, ApiError::Unauthorized(m)) => format!(
                            "Your Assemblyline login is no longer valid ({m}): sign in to the \
                             Assemblyline web UI again, or use an API key."
                        ),
                        _ => e.to_string(),
                    };
                    return error.set(Some(words));
                }
            };
            // whoami answers before the Terms of Service are agreed; nothing else does.
            if me.must_agree_to_tos() {
                connection.transport.set(None);
                connection.whoami.set(None);
                return error.set(Some(tos_words(&me.username)));
            }
            let transport = match credentials {
                Some(credentials) => {
                    let kept = if keep {
                        key_store::remember(&server_text, &credentials)
                    } else {
                        key_store::forget()
                    };
                    // Connected all the same; the words say what became of the tab copy.
                    if let Err(words) = kept {
                        error.set(Some(words));
                    }
                    transport
                }
                None => Transport::with_auth(
                    transport.server.clone(),
                    Auth::Login {
                        user: me.username.clone(),
                    },
                    parallelism,
                ),
            };
            transport.set_verdicts(me.verdicts());
            transport.learn_protocol(&crate::web::negotiated_protocol(&whoami_url));
            key.set(String::new());
            connection.transport.set(Some(transport));
            connection.whoami.set(Some(me));
        });
    };

    // A key remembered for this tab reconnects by itself after a reload.
    if let Some(saved) = key_store::recall() {
        server_url.set(saved.server.clone());
        user.set(saved.credentials.user.clone());
        remember.set(true);
        connect(saved.server, Some(saved.credentials), true);
    }

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match Credentials::new(&user.get(), &key.get()) {
            Ok(credentials) => connect(server_url.get(), Some(credentials), remember.get()),
            Err(e) => error.set(Some(e)),
        }
    };
    let use_login = move |_| connect(server_url.get(), None, false);
    let forget = move |_| {
        let removed = key_store::forget();
        connection.transport.set(None);
        connection.whoami.set(None);
        key.set(String::new());
        remember.set(false);
        error.set(removed.err());
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
            <div class="buttons login">
                <button type="button" on:click=use_login disabled=move || busy.get()>"Use my Assemblyline login"</button>
                <p class="hint">
                    "No key needed when AL Collector is served from the Assemblyline host and you are signed in to "
                    "Assemblyline in this browser: calls then go with your Assemblyline session, as the Assemblyline "
                    "web UI's own do. API-key calls never send this origin's cookies."
                </p>
            </div>
        </form>
        <ErrorLine message=error />
        <FromFileNote />
        <Show when=move || busy.get()>
            <p class="status" role="status">"Connecting…"</p>
        </Show>
        {move || connection.whoami.get().map(|me| view! { <Identity me=me /> })}
    }
}

#[component]
fn Identity(me: WhoAmI) -> impl IntoView {
    let connection = expect_context::<Connection>();
    let lacks_download = me.lacks_role("file_download");
    let may_archive = me.has_role("archive_view");
    let roles = match &me.roles {
        None => "not reported by this server (Assemblyline before 4.3.1); it refuses what this \
                 account may not do"
            .to_string(),
        Some(roles) if roles.is_empty() => "none".to_string(),
        Some(roles) => roles.join(", "),
    };
    let archive = RwSignal::new(false);
    Effect::new(move |_| {
        let on = archive.get();
        connection.transport.with_untracked(|t| {
            if let Some(t) = t {
                t.set_use_archive(on);
            }
        });
    });
    let calls = connection
        .transport
        .with_untracked(|t| t.as_ref().and_then(Transport::calls_words));
    let how = connection.transport.with_untracked(|t| {
        t.as_ref()
            .is_some_and(Transport::uses_login)
            .then_some(" with your Assemblyline login")
    });
    view! {
        <div class="identity" role="status">
            <p>
                "Connected as " <strong class="username">{me.username.clone()}</strong>
                {(!me.name.is_empty()).then(|| format!(" ({})", me.name))}
                {how}
            </p>
            <p class="roles">"Roles: " {roles}</p>
            {calls.map(|words| view! { <p class="calls">{words}</p> })}
            <Show when=move || lacks_download>
                <p class="warning">
                    "This account lacks the 'file_download' role: IoCs work, but file collection will be refused. "
                    "Ask an Assemblyline administrator, or use a key of an account that may download."
                </p>
            </Show>
            <Show when=move || may_archive>
                <label class="check">
                    <input type="checkbox" bind:checked=archive />
                    "Include archive (searches also find submissions in the Assemblyline malware archive)"
                </label>
            </Show>
        </div>
    }
}

/// Connect's refusal when the Terms of Service are not agreed, with the fix.
fn tos_words(user: &str) -> String {
    format!(
        "This Assemblyline server requires its Terms of Service, and {user} has not agreed to \
         them yet: it refuses every call but this one (\"Agree to Terms of Service before you can \
         make any API calls\"). Fix: open the Assemblyline web UI, sign in as {user} and agree to \
         the Terms of Service, then press Connect again."
    )
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
