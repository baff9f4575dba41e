//! Deterministic file contents and their real digests.

use std::sync::Arc;

use cart_container::digesters::{Digester, MD5Digest, SHA1Digest};

use crate::data::FileRec;
use crate::util::{self, Rng};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Pe,
    Dll,
    Zip,
    SevenZip,
    Docm,
    Html,
    Js,
    Vba,
    Ps1,
    Text,
    Msi,
    Bin,
}

pub const ALL_KINDS: [FileKind; 12] = [
    FileKind::Pe,
    FileKind::Dll,
    FileKind::Zip,
    FileKind::SevenZip,
    FileKind::Docm,
    FileKind::Html,
    FileKind::Js,
    FileKind::Vba,
    FileKind::Ps1,
    FileKind::Text,
    FileKind::Msi,
    FileKind::Bin,
];

impl FileKind {
    /// (AL file type, libmagic, mime)
    pub fn describe(self) -> (&'static str, &'static str, &'static str) {
        use FileKind::*;
        match self {
            Pe => (
                "executable/windows/pe32",
                "PE32 executable (GUI) Intel 80386, for MS Windows",
                "application/x-dosexec",
            ),
            Dll => (
                "executable/windows/dll32",
                "PE32 executable (DLL) (GUI) Intel 80386, for MS Windows",
                "application/x-dosexec",
            ),
            Zip => (
                "archive/zip",
                "Zip archive data, at least v2.0 to extract",
                "application/zip",
            ),
            SevenZip => (
                "archive/7-zip",
                "7-zip archive data, version 0.4",
                "application/x-7z-compressed",
            ),
            Docm => (
                "document/office/word",
                "Microsoft Word 2007+",
                "application/vnd.ms-word.document.macroEnabled.12",
            ),
            Html => ("code/html", "HTML document, ASCII text", "text/html"),
            Js => (
                "code/javascript",
                "ASCII text, with very long lines",
                "text/plain",
            ),
            Vba => (
                "code/vbs",
                "ASCII text, with CRLF line terminators",
                "text/plain",
            ),
            Ps1 => ("code/ps1", "ASCII text", "text/plain"),
            Text => ("text/plain", "ASCII text", "text/plain"),
            Msi => (
                "document/installer/windows",
                "Composite Document File V2 Document, MSI Installer",
                "application/x-msi",
            ),
            Bin => ("unknown", "data", "application/octet-stream"),
        }
    }

    fn header(self) -> &'static [u8] {
        use FileKind::*;
        match self {
            Pe | Dll => b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode.\r\r\n$",
            Zip | Docm => b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
            SevenZip => b"7z\xbc\xaf\x27\x1c\x00\x04",
            Msi => b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            Html => b"<!DOCTYPE html>\n<html><head><title>mock</title></head><body>\n",
            Js => b"var _0x1a2b = function() {\n",
            Vba => b"Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\n",
            Ps1 => b"$ErrorActionPreference = 'SilentlyContinue'\n",
            Text => b"Mock Assemblyline sample text file.\n",
            Bin => b"\x00\x01\x02\x03mock-binary",
        }
    }

    fn is_text(self) -> bool {
        matches!(
            self,
            FileKind::Html | FileKind::Js | FileKind::Vba | FileKind::Ps1 | FileKind::Text
        )
    }
}

/// `size` bytes: a type header, then text lines or noise from a per-label stream.
pub fn make_bytes(seed: u64, label: &str, kind: FileKind, size: usize) -> Vec<u8> {
    let mut rng = Rng::for_label(seed, &format!("content:{label}"));
    let mut out = kind.header().to_vec();
    out.extend_from_slice(format!("\n#mock-al:{label}\n").as_bytes());
    if kind.is_text() {
        const WORDS: [&str; 8] = [
            "var", "http", "invoke", "shell", "data", "return", "payload", "token",
        ];
        while out.len() < size {
            let line = format!(
                "{} = \"{:016x}\"; // {}\n",
                rng.pick(&WORDS),
                rng.next_u64(),
                rng.pick(&WORDS)
            );
            out.extend_from_slice(line.as_bytes());
        }
    } else {
        let start = out.len();
        out.resize(size.max(start), 0);
        rng.fill(&mut out[start..]);
    }
    out.truncate(size.max(16));
    out
}

fn entropy(bytes: &[u8]) -> f64 {
    let mut counts = [0u64; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    let e: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum();
    (e * 1000.0).round() / 1000.0
}

pub fn file_record(bytes: Vec<u8>, kind: FileKind, classification: &'static str) -> FileRec {
    let mut md5 = MD5Digest::new();
    let mut sha1 = SHA1Digest::new();
    md5.update(&bytes);
    sha1.update(&bytes);
    FileRec {
        sha256: util::sha256_hex(&bytes),
        sha1: sha1.finish(),
        md5: md5.finish(),
        size: bytes.len() as u64,
        kind,
        entropy: entropy(&bytes),
        classification,
        head: bytes[..bytes.len().min(64)].to_vec(),
        bytes: Some(Arc::new(bytes)),
    }
}
