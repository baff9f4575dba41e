//! The deployment guide's own commands: the fenced blocks of `deploy/README.md` tagged
//! `deploy:<name>` (```` ```sh deploy:proxy-config ````), run word for word with bash, so the
//! guide and the tests cannot drift apart. Plus the certificates an operator would have.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::repo_root;

/// The text of the block tagged `deploy:<name>`, its indentation removed. Panics if the guide
/// has no such block, or more than one.
pub fn block(name: &str) -> String {
    let path = repo_root().join("deploy/README.md");
    let guide = std::fs::read_to_string(&path).unwrap();
    let tag = format!("deploy:{name}");
    let mut found = Vec::new();
    let mut lines = guide.lines();
    while let Some(line) = lines.next() {
        let fence = line.trim_start();
        let is_tagged =
            fence.starts_with("```") && fence[3..].split_whitespace().any(|word| word == tag);
        if !is_tagged {
            continue;
        }
        let indent = line.len() - fence.len();
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| l.trim() != "```")
            .map(|l| l.get(indent..).unwrap_or("").trim_end())
            .collect();
        found.push(body.join("\n") + "\n");
    }
    assert_eq!(
        found.len(),
        1,
        "deploy/README.md must hold exactly one block tagged {tag}"
    );
    found.remove(0)
}

/// The variables a values block (`NAME=value  # comment` lines) sets, in order.
pub fn variables(name: &str) -> Vec<String> {
    block(name)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(n, _)| n.trim().to_string())
        .collect()
}

/// Runs the block tagged `deploy:<name>` with bash (`-euo pipefail`, so any failing command
/// fails the test) in `cwd`, with `env` set as the values an operator would have set; returns
/// what it printed. The names in `env` must be those of the guide's values block `values`.
pub fn run(name: &str, values: &str, cwd: &Path, env: &[(&str, String)]) -> String {
    let wanted: BTreeSet<String> = variables(values).into_iter().collect();
    let given: BTreeSet<String> = env.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(
        given, wanted,
        "the test sets other variables than the guide's deploy:{values} block"
    );
    let script = block(name);
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(cwd)
        .envs(env.iter().map(|(n, v)| (*n, v.as_str())))
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "the guide's deploy:{name} block failed:\n{script}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A folder laid out like the AL Collector folder the guide's commands run in: `deploy/` and
/// `dist/` (links to the real ones), and room for whatever the commands write.
pub fn workdir(dir: &Path, dist: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    for (name, target) in [
        ("deploy", repo_root().join("deploy")),
        ("dist", dist.to_path_buf()),
    ] {
        let link = dir.join(name);
        if std::fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink(target, link).unwrap();
        }
    }
    dir.to_path_buf()
}

/// A self-signed certificate and its key, made with openssl as an operator would.
pub struct Certificate {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Certificate {
    /// `subject` like "/CN=assemblyline.local"; `alt_names` like "IP:127.0.0.1" or "" for none
    /// (as the Assemblyline image's own certificate, which has only a CN).
    pub fn self_signed(dir: &Path, stem: &str, subject: &str, alt_names: &str) -> Certificate {
        let cert = dir.join(format!("{stem}.crt"));
        let key = dir.join(format!("{stem}.key"));
        let mut cmd = Command::new("openssl");
        cmd.args([
            "req", "-x509", "-nodes", "-newkey", "rsa:2048", "-days", "2",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args(["-subj", subject]);
        if !alt_names.is_empty() {
            cmd.args(["-addext", &format!("subjectAltName={alt_names}")]);
        }
        let out = cmd.output().expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl req: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Certificate { cert, key }
    }

    /// "SHA256 Fingerprint=AB:CD:…", as `openssl x509 -fingerprint -sha256` prints it.
    pub fn fingerprint(&self) -> String {
        let out = Command::new("openssl")
            .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
            .arg(&self.cert)
            .output()
            .expect("openssl runs");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}
