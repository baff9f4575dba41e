//! `/user/whoami/`: who the key (or login) is, and what this server is configured to do.
//! Fields follow assemblyline-ui `api/v4/user.py`, `who_am_i`.

use serde::{Deserialize, Serialize};

use crate::core::verdicts::VerdictThresholds;

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct WhoAmI {
    pub username: String,
    #[serde(default)]
    pub name: String,
    /// None on servers before 4.3.1, whose whoami has no `roles`: then nothing is known to be
    /// missing, and the server itself refuses what the user may not do.
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    #[serde(default, rename = "type")]
    pub user_types: Vec<String>,
    #[serde(default)]
    pub classification: String,
    /// The date the user agreed to the Terms of Service; null until then.
    #[serde(default)]
    pub agrees_with_tos: Option<serde_json::Value>,
    #[serde(default)]
    pub configuration: WhoAmIConfiguration,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct WhoAmIConfiguration {
    #[serde(default)]
    pub submission: SubmissionConfiguration,
    #[serde(default)]
    pub ui: UiConfiguration,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct SubmissionConfiguration {
    #[serde(default)]
    pub verdicts: Option<VerdictThresholds>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct UiConfiguration {
    /// True when the server has Terms of Service (`config.ui.tos not in [None, ""]`).
    #[serde(default)]
    pub tos: Option<serde_json::Value>,
}

impl WhoAmI {
    /// True only when whoami lists the role.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles
            .as_ref()
            .is_some_and(|roles| roles.iter().any(|r| r == role))
    }

    /// True only when whoami lists roles and this one is not among them: an old server that
    /// sends no roles lacks nothing as far as the page can tell.
    pub fn lacks_role(&self, role: &str) -> bool {
        self.roles.is_some() && !self.has_role(role)
    }

    /// The server has Terms of Service and this user has not agreed: every call but whoami
    /// will be refused (assemblyline-ui `api/base.py`, `api_login.__call__`).
    pub fn must_agree_to_tos(&self) -> bool {
        let agreed = self.agrees_with_tos.as_ref().is_some_and(truthy);
        let has_tos = self.configuration.ui.tos.as_ref().is_some_and(truthy);
        has_tos && !agreed
    }

    /// The server's verdict thresholds, or the defaults when it does not say.
    pub fn verdicts(&self) -> VerdictThresholds {
        self.configuration.submission.verdicts.unwrap_or_default()
    }
}

/// Python truthiness of a JSON value, as the server tests these fields.
fn truthy(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => false,
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::String(s) => !s.is_empty(),
        serde_json::Value::Number(n) => n.as_f64() != Some(0.0),
        serde_json::Value::Array(a) => !a.is_empty(),
        serde_json::Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::api::{Route, Verdict};
    use crate::core::response::parse_json;

    fn whoami(body: serde_json::Value) -> WhoAmI {
        let env = serde_json::json!({"api_response": body, "api_status_code": 200});
        parse_json(Route::WhoAmI, 200, &env.to_string()).unwrap()
    }

    #[test]
    fn a_whoami_without_roles_lacks_nothing() {
        let old = whoami(serde_json::json!({"username": "u", "type": ["user"]}));
        assert_eq!(old.roles, None);
        assert!(!old.lacks_role("file_download"));
        assert!(!old.has_role("file_download"));
        let new = whoami(serde_json::json!({"username": "u", "roles": ["submission_view"]}));
        assert!(new.lacks_role("file_download"));
        assert!(new.has_role("submission_view"));
    }

    #[test]
    fn terms_of_service_need_both_fields() {
        let with = |agrees: serde_json::Value, tos: serde_json::Value| {
            whoami(
                serde_json::json!({"username": "u", "agrees_with_tos": agrees,
                "configuration": {"ui": {"tos": tos}}}),
            )
            .must_agree_to_tos()
        };
        assert!(with(serde_json::Value::Null, true.into()));
        assert!(!with("2026-01-05T14:00:00.000000Z".into(), true.into()));
        assert!(!with(serde_json::Value::Null, false.into()));
        assert!(!whoami(serde_json::json!({"username": "u"})).must_agree_to_tos());
    }

    #[test]
    fn verdict_thresholds_come_from_the_configuration() {
        let me = whoami(
            serde_json::json!({"username": "u", "configuration": {"submission":
            {"verdicts": {"info": 0, "suspicious": 500, "highly_suspicious": 900, "malicious": 3000}}}}),
        );
        assert_eq!(me.verdicts().verdict(1000), Verdict::Suspicious);
        let plain = whoami(serde_json::json!({"username": "u"}));
        assert_eq!(plain.verdicts().verdict(1000), Verdict::Malicious);
    }
}
