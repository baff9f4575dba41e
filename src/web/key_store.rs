//! The API key's life in the page: memory by default; sessionStorage only when the user opts
//! in ("remember for this tab"); never localStorage, the URL, logs or error text.

use web_sys::Storage;

const STORE_KEY: &str = "al-collector.session";

/// Who calls the API. `Debug` hides the key so it cannot reach a log by accident.
#[derive(Clone, PartialEq)]
pub struct Credentials {
    pub user: String,
    key: String,
}

impl Credentials {
    pub fn new(user: &str, key: &str) -> Result<Credentials, String> {
        let user = user.trim();
        let key = key.trim();
        if user.is_empty() {
            return Err("Enter your Assemblyline user name.".into());
        }
        if key.is_empty() {
            return Err(
                "Enter an API key (create one in Assemblyline under your account, API keys)."
                    .into(),
            );
        }
        if !key.contains(':') {
            return Err("An API key has the form keyname:secret — paste the whole key as Assemblyline showed it.".into());
        }
        Ok(Credentials {
            user: user.to_string(),
            key: key.to_string(),
        })
    }

    pub(crate) fn key(&self) -> &str {
        &self.key
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("key", &"<hidden>")
            .finish()
    }
}

/// What "remember for this tab" keeps: server, user and key, in this tab's sessionStorage.
#[derive(Clone, Debug, PartialEq)]
pub struct Remembered {
    pub server: String,
    pub credentials: Credentials,
}

fn session_storage() -> Option<Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// "Remember for this tab". A promise to the user: when it cannot be kept, the words say so
/// (the key then lives in memory only, and a reload forgets it).
pub fn remember(server: &str, credentials: &Credentials) -> Result<(), String> {
    let storage = session_storage().ok_or(
        "This browser gives the page no tab storage: the key is kept in memory only, and a          reload forgets it.",
    )?;
    let value =
        serde_json::json!({"server": server, "user": credentials.user, "key": credentials.key});
    storage.set_item(STORE_KEY, &value.to_string()).map_err(|e| {
        format!(
            "The key could not be kept for this tab ({}): it is kept in memory only, and a              reload forgets it.",
            super::js::js_text(e)
        )
    })
}

pub fn recall() -> Option<Remembered> {
    let text = session_storage()?.get_item(STORE_KEY).ok()??;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let credentials = Credentials::new(value["user"].as_str()?, value["key"].as_str()?).ok()?;
    Some(Remembered {
        server: value["server"].as_str().unwrap_or_default().to_string(),
        credentials,
    })
}

/// Forget key: removes the tab copy (the caller drops the in-memory one), and checks it is
/// gone: a security promise must say when it failed.
pub fn forget() -> Result<(), String> {
    let Some(storage) = session_storage() else {
        // No tab storage: nothing was ever kept there.
        return Ok(());
    };
    let removed = storage.remove_item(STORE_KEY);
    let still_there = storage.get_item(STORE_KEY).ok().flatten().is_some();
    match removed {
        Ok(()) if !still_there => Ok(()),
        Ok(()) => Err(
            "The key is still in this tab's storage after removing it: close this tab to be              sure it is gone."
                .into(),
        ),
        Err(e) => Err(format!(
            "The key could not be removed from this tab's storage ({}): close this tab to be              sure it is gone.",
            super::js::js_text(e)
        )),
    }
}
