//! Components: each renders state it is given; none builds a URL or parses a response.

mod collect;
mod connect;
mod errors;
mod iocs;

use leptos::prelude::*;

use crate::core::api::WhoAmI;
use crate::web::http::Transport;

pub use connect::ConnectPanel;
pub use errors::ErrorLine;

/// The connection everything else uses: set by the Connect panel, dropped by Forget key.
#[derive(Clone, Copy)]
pub struct Session {
    pub transport: RwSignal<Option<Transport>, LocalStorage>,
    pub whoami: RwSignal<Option<WhoAmI>>,
}

impl Session {
    pub fn new() -> Session {
        Session {
            transport: RwSignal::new_local(None),
            whoami: RwSignal::new(None),
        }
    }

    pub fn is_connected(&self) -> bool {
        self.whoami.with(Option::is_some)
    }
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Connect,
    Iocs,
    Collect,
}

#[component]
pub fn App() -> impl IntoView {
    let session = Session::new();
    provide_context(session);
    let tab = RwSignal::new(Tab::Connect);
    let tab_button = move |which: Tab, label: &'static str| {
        view! {
            <button
                role="tab"
                class="tab"
                aria-selected=move || (tab.get() == which).to_string()
                on:click=move |_| tab.set(which)
            >
                {label}
            </button>
        }
    };
    view! {
        <header class="top">
            <h1>"AL Collector"</h1>
            <span class="who">
                {move || session.whoami.get().map(|w| format!("Connected as {}", w.username))}
            </span>
        </header>
        <nav role="tablist" class="tabs">
            {tab_button(Tab::Connect, "Server")}
            {tab_button(Tab::Iocs, "Network IoCs")}
            {tab_button(Tab::Collect, "Collect files")}
        </nav>
        <main>
            <section hidden=move || tab.get() != Tab::Connect>
                <ConnectPanel />
            </section>
            <section hidden=move || tab.get() != Tab::Iocs>
                <iocs::IocPanel />
            </section>
            <section hidden=move || tab.get() != Tab::Collect>
                <collect::CollectPanel />
            </section>
        </main>
    }
}
