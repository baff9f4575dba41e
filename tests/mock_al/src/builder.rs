//! Terse constructors for submissions, results and sections, shared by the samples and the generator.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::data::{ErrorRec, Heur, ResultRec, Section, Submission, Svc, CLEAR};
use crate::util;

pub const EXTRACT: Svc = Svc {
    name: "Extract",
    version: "4.6.1.stable4",
    tool: None,
    conf: "0",
};
pub const CHARACTERIZE: Svc = Svc {
    name: "Characterize",
    version: "4.6.0.stable9",
    tool: None,
    conf: "0",
};
pub const PE: Svc = Svc {
    name: "PE",
    version: "4.6.0.stable12",
    tool: Some("pefile 2023.2.7"),
    conf: "b3a9e0c41d2f7a6c",
};
pub const CAPE: Svc = Svc {
    name: "CAPE",
    version: "4.6.1.stable2",
    tool: Some("cape 2.4"),
    conf: "5d2c81e0f6a4b937",
};
pub const YARA: Svc = Svc {
    name: "YARA",
    version: "4.6.0.stable7",
    tool: Some("yara 4.5.2"),
    conf: "0",
};
pub const FRANKEN: Svc = Svc {
    name: "FrankenStrings",
    version: "4.6.0.stable5",
    tool: None,
    conf: "0",
};
pub const OLETOOLS: Svc = Svc {
    name: "Oletools",
    version: "4.6.0.stable8",
    tool: Some("oletools 0.60.2"),
    conf: "0",
};
pub const URLCREATOR: Svc = Svc {
    name: "URLCreator",
    version: "4.6.0.stable3",
    tool: None,
    conf: "0",
};
pub const JSJAWS: Svc = Svc {
    name: "JsJaws",
    version: "4.6.0.stable14",
    tool: Some("box-js 1.9.27"),
    conf: "0",
};
pub const SAFELIST: Svc = Svc {
    name: "Safelist",
    version: "4.6.0.stable2",
    tool: None,
    conf: "0",
};
pub const CONFIGEX: Svc = Svc {
    name: "ConfigExtractor",
    version: "4.6.0.stable6",
    tool: Some("maco 1.1"),
    conf: "0",
};
/// A newer build of PE, so resubmissions get different result keys.
pub const PE_NEW: Svc = Svc {
    name: "PE",
    version: "4.6.1.stable1",
    tool: Some("pefile 2024.8.26"),
    conf: "b3a9e0c41d2f7a6c",
};

pub fn heur(id: &str, name: &str, score: i64) -> Option<Heur> {
    Some(Heur {
        heur_id: id.into(),
        name: name.into(),
        score,
        attack: vec![],
        signatures: vec![],
    })
}

pub fn heur_attack(
    id: &str,
    name: &str,
    score: i64,
    attack: (&str, &str, &str),
    sig: &str,
) -> Option<Heur> {
    Some(Heur {
        heur_id: id.into(),
        name: name.into(),
        score,
        attack: vec![(attack.0.into(), attack.1.into(), vec![attack.2.into()])],
        signatures: vec![sig.into()],
    })
}

pub fn sec(title: &str, heuristic: Option<Heur>, tags: &[(&str, Value)]) -> Section {
    Section {
        title: title.into(),
        body: format!("{title}: details produced by the mock service."),
        body_format: "TEXT",
        classification: CLEAR,
        heuristic,
        tags: tags
            .iter()
            .map(|(t, v)| (t.to_string(), v.clone()))
            .collect(),
        safelisted: vec![],
    }
}

pub fn sec_safelisted(
    title: &str,
    heuristic: Option<Heur>,
    tags: &[(&str, Value)],
    safe: &[(&str, &str)],
) -> Section {
    let mut s = sec(title, heuristic, tags);
    s.safelisted = safe
        .iter()
        .map(|(t, v)| (t.to_string(), v.to_string()))
        .collect();
    s
}

pub fn kv_section(title: &str, body: Value) -> Section {
    let mut s = sec(title, None, &[]);
    s.body_format = "KEY_VALUE";
    s.body = body.to_string();
    s
}

pub struct SubBuilder {
    pub sub: Submission,
}

impl SubBuilder {
    pub fn new(sid: String, label: &str, root_name: &str, root_sha: &str, submitted: i64) -> Self {
        SubBuilder {
            sub: Submission {
                sid,
                label: label.into(),
                classification: CLEAR,
                completed: true,
                files: vec![(root_name.into(), root_sha.into())],
                results: vec![],
                errors: vec![],
                metadata: BTreeMap::new(),
                submitter: "admin".into(),
                description: format!("Inspection of file: {root_name}"),
                submitted,
                duration_secs: 95,
                groups: vec!["USERS".into()],
                archived: false,
            },
        }
    }

    fn created(&self) -> String {
        let n = self.sub.results.len() as i64;
        util::iso_time(
            self.sub.submitted + 5 + n * 3,
            (n as u32 * 7919) % 1_000_000,
        )
    }

    pub fn res(&mut self, sha: &str, svc: Svc, sections: Vec<Section>) -> &mut Self {
        self.ext(sha, svc, sections, &[])
    }

    pub fn ext(
        &mut self,
        sha: &str,
        svc: Svc,
        sections: Vec<Section>,
        extracted: &[(&str, &str)],
    ) -> &mut Self {
        let created = self.created();
        self.sub.results.push(ResultRec {
            sha256: sha.into(),
            svc,
            sections,
            extracted: extracted
                .iter()
                .map(|(n, s)| (n.to_string(), s.to_string()))
                .collect(),
            classification: CLEAR,
            created,
        });
        self
    }

    /// An empty result: never stored, its key ends in `.e`.
    pub fn empty(&mut self, sha: &str, svc: Svc) -> &mut Self {
        self.res(sha, svc, vec![])
    }

    pub fn error(&mut self, sha: &str, svc: Svc, message: &str) -> &mut Self {
        let created = self.created();
        self.sub.errors.push(ErrorRec {
            sha256: sha.into(),
            svc,
            message: message.into(),
            etype: "EXCEPTION",
            code: 1,
            created,
        });
        self
    }

    pub fn meta(&mut self, k: &str, v: &str) -> &mut Self {
        self.sub.metadata.insert(k.into(), v.into());
        self
    }

    pub fn done(self) -> Submission {
        self.sub
    }
}
