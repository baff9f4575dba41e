//! Reading back the zips the page saved: entries, manifest and the cARTs inside.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub(crate) struct Zip {
    pub(crate) path: PathBuf,
    pub(crate) size: u64,
    pub(crate) carts: BTreeMap<String, u64>,
    pub(crate) other_entries: Vec<String>,
    pub(crate) manifest: Value,
}

impl Zip {
    /// The parts of one run as one: entries and sizes added up, the last part's manifest
    /// (its failures are the run's final ones).
    pub(crate) fn merge(parts: Vec<Zip>) -> Option<Zip> {
        let mut parts = parts.into_iter();
        let mut all = parts.next()?;
        for part in parts {
            all.size += part.size;
            all.carts.extend(part.carts);
            all.manifest = part.manifest;
        }
        Some(all)
    }

    pub(crate) fn read(path: &Path) -> Result<Zip, String> {
        let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
        let size = file.metadata().map_err(|e| e.to_string())?.len();
        let mut zip = zip::ZipArchive::new(file).map_err(|e| e.to_string())?;
        let mut carts = BTreeMap::new();
        let mut other_entries = Vec::new();
        for i in 0..zip.len() {
            let entry = zip.by_index(i).map_err(|e| e.to_string())?;
            let name = entry.name().map_err(|e| e.to_string())?.to_string();
            match name.strip_suffix(".cart") {
                Some(sha) => {
                    carts.insert(sha.to_string(), entry.size());
                }
                None => other_entries.push(name),
            }
        }
        let mut manifest = String::new();
        if let Ok(mut m) = zip.by_name("manifest.json") {
            m.read_to_string(&mut manifest).map_err(|e| e.to_string())?;
        }
        Ok(Zip {
            path: path.to_path_buf(),
            size,
            carts,
            other_entries,
            manifest: serde_json::from_str(&manifest).unwrap_or(Value::Null),
        })
    }

    /// (sha256, reason) of every file failure in manifest.json.
    pub(crate) fn failures(&self) -> Vec<(String, String)> {
        self.manifest["failures"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| {
                        let what = match f["sha256"].as_str() {
                            Some(s) if !s.is_empty() => s.to_string(),
                            _ => format!("submission {}", f["sids"]),
                        };
                        (what, f["reason"].as_str().unwrap_or("").to_string())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How many `.cart` entries decode (official `cart_container`) to content whose sha256 is
    /// their name.
    pub(crate) fn verify_carts(&self) -> Result<(usize, Vec<String>), String> {
        use sha2::{Digest, Sha256};
        let file = std::fs::File::open(&self.path).map_err(|e| e.to_string())?;
        let mut zip = zip::ZipArchive::new(file).map_err(|e| e.to_string())?;
        let mut good = 0;
        let mut bad = Vec::new();
        for sha in self.carts.keys() {
            let mut cart = Vec::new();
            zip.by_name(&format!("{sha}.cart"))
                .map_err(|e| e.to_string())?
                .read_to_end(&mut cart)
                .map_err(|e| e.to_string())?;
            let mut plain = Vec::new();
            let decoded = cart_container::unpack_stream(&cart[..], &mut plain, None).is_ok();
            let hex: String = Sha256::digest(&plain)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            if decoded && hex == *sha {
                good += 1;
            } else {
                bad.push(sha.clone());
            }
        }
        Ok((good, bad))
    }
}
