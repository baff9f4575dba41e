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

pub fn remember(server: &str, credentials: &Credentials) {
    if let Some(storage) = session_storage() {
        let value =
            serde_json::json!({"server": server, "user": credentials.user, "key": credentials.key});
        let _ = storage.set_item(STORE_KEY, &value.to_string());
    }
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

/// Forget key: removes the tab copy; the caller drops the in-memory one.
pub fn forget() {
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(STORE_KEY);
    }
}
