//! Components: each renders state it is given; none builds a URL or parses a response.

mod collect;
mod connect;
mod errors;
mod iocs;
pub(crate) mod links;
mod live;
mod verdict;

use leptos::prelude::*;

use crate::core::api::WhoAmI;
use crate::web::http::Transport;

pub use connect::ConnectPanel;
pub use errors::ErrorLine;

/// The connection everything else uses: the server and how calls are signed (the transport)
/// and who that is (whoami); set by the Connect panel, dropped by Forget key.
#[derive(Clone, Copy)]
pub struct Connection {
    pub transport: RwSignal<Option<Transport>, LocalStorage>,
    pub whoami: RwSignal<Option<WhoAmI>>,
}

impl Connection {
    pub fn new() -> Connection {
        Connection {
            transport: RwSignal::new_local(None),
            whoami: RwSignal::new(None),
        }
    }

    pub fn is_connected(&self) -> bool {
        self.whoami.with(Option::is_some)
    }
}

impl Default for Connection {
    fn default() -> Self {
        Connection::new()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Connect,
    Iocs,
    Collect,
}

impl Tab {
    const ALL: [Tab; 3] = [Tab::Connect, Tab::Iocs, Tab::Collect];

    fn label(self) -> &'static str {
        match self {
            Tab::Connect => "Server",
            Tab::Iocs => "Network IoCs",
            Tab::Collect => "Collect files",
        }
    }

    /// The ids that tie each tab to its panel (`aria-controls`, `aria-labelledby`).
    fn ids(self) -> (&'static str, &'static str) {
        match self {
            Tab::Connect => ("tab-server", "panel-server"),
            Tab::Iocs => ("tab-iocs", "panel-iocs"),
            Tab::Collect => ("tab-collect", "panel-collect"),
        }
    }

    /// The tab a key moves to from this one (WAI-ARIA tabs pattern: arrows wrap, Home and
    /// End jump to the ends), or None for other keys.
    fn after_key(self, key: &str) -> Option<Tab> {
        let at = Tab::ALL.iter().position(|t| *t == self)?;
        let last = Tab::ALL.len() - 1;
        Some(
            Tab::ALL[match key {
                "ArrowRight" => (at + 1) % Tab::ALL.len(),
                "ArrowLeft" => (at + last) % Tab::ALL.len(),
                "Home" => 0,
                "End" => last,
                _ => return None,
            }],
        )
    }
}

/// The tabs follow the WAI-ARIA tabs pattern: one tab stop for the strip (the selected tab),
/// arrow keys move between tabs and show their panel at once, each panel is labelled by its tab.
#[component]
pub fn App() -> impl IntoView {
    let connection = Connection::new();
    provide_context(connection);
    let tab = RwSignal::new(Tab::Connect);
    // The byte worker starts while the analyst sets up a collection, so a click on Collect
    // zip does not wait for it to load the page's module; the other tabs never pay for it.
    Effect::new(move || {
        if tab.get() == Tab::Collect {
            leptos::task::spawn_local(async {
                let _ = crate::web::worker::byte_worker().await;
            });
        }
    });
    let tab_button = move |which: Tab| {
        let (tab_id, panel_id) = which.ids();
        let on_key = move |ev: leptos::ev::KeyboardEvent| {
            if let Some(next) = which.after_key(&ev.key()) {
                ev.prevent_default();
                tab.set(next);
                crate::web::focus::focus_now(&format!("#{}", next.ids().0));
            }
        };
        view! {
            <button
                type="button"
                role="tab"
                class="tab"
                id=tab_id
                aria-controls=panel_id
                aria-selected=move || (tab.get() == which).to_string()
                tabindex=move || if tab.get() == which { "0" } else { "-1" }
                on:click=move |_| tab.set(which)
                on:keydown=on_key
            >
                {which.label()}
            </button>
        }
    };
    let panel = move |which: Tab, body: AnyView| {
        let (tab_id, panel_id) = which.ids();
        view! {
            <section role="tabpanel" id=panel_id aria-labelledby=tab_id tabindex="0"
                hidden=move || tab.get() != which>
                <h2 class="sr-only">{which.label()}</h2>
                {body}
            </section>
        }
    };
    view! {
        <header class="top">
            <h1>"AL Collector"</h1>
            <span class="who">
                {move || connection.whoami.get().map(|w| format!("Connected as {}", w.username))}
            </span>
        </header>
        <nav class="tabs" aria-label="Sections">
            <div role="tablist" aria-label="AL Collector">
                {Tab::ALL.into_iter().map(tab_button).collect_view()}
            </div>
        </nav>
        <main>
            {panel(Tab::Connect, view! { <ConnectPanel /> }.into_any())}
            {panel(Tab::Iocs, view! { <iocs::IocPanel /> }.into_any())}
            {panel(Tab::Collect, view! { <collect::CollectPanel /> }.into_any())}
        </main>
    }
}
