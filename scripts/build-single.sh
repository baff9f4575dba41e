#!/usr/bin/env bash
# Builds AL Collector as ONE self-contained HTML file (CSS, JS glue, the public suffix list and
# the wasm inlined), to serve at its own location on the Assemblyline origin
# (deploy/nginx/single-file-location.conf) or open from disk, and prints its SHA-256 the way
# CyberChef publishes its download.
#
#   bash scripts/build-single.sh                 release build, then dist-single/al-collector.html
#                                                and dist-single/al-collector.html.sha256
#   bash scripts/build-single.sh --from dist     assemble from an existing build (scripts/build.sh
#                                                output) instead of building again
#   bash scripts/build-single.sh --out DIR       write the two files into DIR
#   AL_CONNECT_SRC="https://al.example.org"      also allow calls to that origin (see csp.sh)
#
# The file carries its own Content-Security-Policy: its two inline blocks are allowed by their
# sha256 hashes, nothing else may run, and it may only connect to its own origin. Check a copy
# with `sha256sum -c al-collector.html.sha256`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
absolute() { case "$1" in /*) echo "$1";; *) echo "$PWD/$1";; esac; }

from="" out="$root/dist-single"
while [ $# -gt 0 ]; do
  case "$1" in
    --from) from="$(absolute "$2")"; shift 2;;
    --out) out="$(absolute "$2")"; shift 2;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}"; exit 0;;
    *) echo "build-single.sh: unknown argument $1" >&2; exit 2;;
  esac
done
cd "$root"
command -v node >/dev/null || { echo "build-single.sh needs node: run scripts/setup.sh" >&2; exit 1; }
bash "$root/scripts/csp.sh" policy >/dev/null   # AL_CONNECT_SRC checked before any work

if [ -z "$from" ]; then
  from="$root/dist-single-build"
  rm -rf "$from"
  bash "$root/scripts/build.sh" --dist "$from"
fi
[ -f "$from/index.html" ] || { echo "build-single.sh: no build in $from (run scripts/build.sh)" >&2; exit 1; }
mkdir -p "$out"

version="$(awk -F'"' '/^version = /{print $2; exit}' "$root/Cargo.toml")"
# Pass 1 assembles the page and prints the hashes of its inline script and style; pass 2
# writes the policy naming exactly those hashes.
hashes="$(node - "$from" "$out/al-collector.html" "$version" <<'JS'
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const [dist, target, version] = process.argv.slice(2);
const fail = (why) => { console.error(`build-single.sh: ${why}`); process.exit(1); };
const read = (name) => fs.readFileSync(path.join(dist, name), "utf8");
let html = read("index.html");

// Where the boot code is: the file csp.sh made, or Trunk's inline script.
let boot;
const external = html.match(/<script type="module" src="\.\/(boot-[0-9a-f]+\.js)"[^>]*><\/script>/);
const inline = html.match(/<script type="module">([\s\S]*?)<\/script>/);
if (external) boot = read(external[1]);
else if (inline) boot = inline[1];
else fail("no boot script in index.html");
const glueName = (boot.match(/from '\.\/([^']+\.js)'/) || fail("boot script imports no glue"))[1];
const wasmName = (boot.match(/module_or_path: '\.\/([^']+\.wasm)'/) || fail("boot script names no wasm"))[1];

// wasm-bindgen's ES-module glue, made a plain module body: the declarations stay, the exports go.
let glue = read(glueName);
if (/^\s*import\s/m.test(glue)) fail(`${glueName} imports other files (snippets); they cannot be inlined`);
glue = glue.replace(/^export \{[^}]*\};?\s*$/gm, "");
glue = glue.replace(/^export (?=(async )?(function|class|const|let|var)\b)/gm, "");
if (/^export\b/m.test(glue)) fail(`${glueName} has an export this script does not know`);
if (!/async function __wbg_init\b/.test(glue)) fail(`${glueName} has no __wbg_init`);

// The wasm and the public suffix list travel gzipped (a third of their size) in base64, and
// are unpacked in the page by the browser's own DecompressionStream: no fetch, so connect-src
// stays 'self'. The list goes back into its block as text, where the page looks for it
// (src/web/suffixes.rs) before it would fetch public_suffix_list.dat.
const packed = (name) => require("zlib").gzipSync(fs.readFileSync(path.join(dist, name)), { level: 9 })
  .toString("base64").replace(/.{1,120}/g, "$&\n");
if (!fs.existsSync(path.join(dist, "public_suffix_list.dat"))) fail("no public_suffix_list.dat in the build");
const script = `
${glue}
const unpack = async (id) => {
  const raw = atob(document.getElementById(id).textContent.replace(/\\s+/g, ""));
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  const unpacked = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(unpacked);
};
const suffixes = document.getElementById("al-collector-suffixes");
suffixes.textContent = await (await unpack("al-collector-suffixes")).text();
const bytes = new Uint8Array(await (await unpack("al-collector-wasm")).arrayBuffer());
await __wbg_init({ module_or_path: bytes });
`;
if (/<\/script/i.test(script)) fail("the glue contains </script");

// Stylesheets inlined, in order, into one <style>.
let css = "";
html = html.replace(/\s*<link rel="stylesheet" href="\.\/([^"]+\.css)"[^>]*\/?>/g, (_, name) => {
  css += read(name);
  return "";
});
if (/<\/style/i.test(css)) fail("the CSS contains </style");

// index.html's words for a page that cannot start, said for this file: the usual cause is a
// CSP header from the web server that forbids its inline code.
const fallback = /<div id="al-collector-fallback">[\s\S]*?<\/div>/;
if (!fallback.test(html)) fail('no <div id="al-collector-fallback"> in index.html');
html = html.replace(fallback, `<div id="al-collector-fallback">
      <p>Loading AL Collector…</p>
      <p>If this text stays, the page could not start. This single file runs its own code inline,
        allowed by the policy inside it; a Content-Security-Policy header from the web server
        (such as the one deploy/nginx sends for <code>dist/</code>) forbids that. Serve this file
        without that header (<code>deploy/README.md</code>, "Single file"). Otherwise,
        JavaScript or WebAssembly is disabled in this browser.</p>
    </div>`);

const b64sha = (text) => "'sha256-" + crypto.createHash("sha256").update(text, "utf8").digest("base64") + "'";
html = html
  .replace(/\s*<script type="module"[\s\S]*?<\/script>/, "")
  .replace(/\s*<link rel="(modulepreload|preload)"[^>]*>/g, "")
  .replace(/\s*<meta http-equiv="Content-Security-Policy"[^>]*>/i, "")
  .replace(/<meta charset="utf-8" \/>/, (m) => `${m}\n    <meta http-equiv="Content-Security-Policy" content="@CSP@" />`)
  .replace("</head>", `\n    <style>${css}</style>\n  </head>`)
  .replace("</body>", `  <script type="application/gzip" id="al-collector-suffixes">\n${packed("public_suffix_list.dat")}</script>\n    <script type="application/gzip" id="al-collector-wasm">\n${packed(wasmName)}</script>\n    <script type="module">${script}</script>\n  </body>`)
  .replace("<!doctype html>", `<!doctype html>\n<!-- AL Collector ${version}, single-file build: the page, its WebAssembly and styles in one file.\n     It does not update itself; check its SHA-256 against the published one. -->`);
if (!html.includes("@CSP@")) fail('no <meta charset="utf-8" /> in index.html');
if (/(src|href)=["']?(https?:)?\/\//i.test(html)) fail("the page references another origin");
fs.writeFileSync(target, html);
console.log(`${b64sha(script)}\t${b64sha(css)}`);
JS
)"
IFS=$'\t' read -r script_hash style_hash <<< "$hashes"
csp="$(bash "$root/scripts/csp.sh" policy --script "$script_hash" --style "$style_hash")"
CSP="$csp" node -e '
const fs = require("fs");
const f = process.argv[1];
fs.writeFileSync(f, fs.readFileSync(f, "utf8").replace("@CSP@", process.env.CSP));
' "$out/al-collector.html"

(cd "$out" && sha256sum al-collector.html > al-collector.html.sha256)
size="$(wc -c < "$out/al-collector.html")"
echo "Single file: $out/al-collector.html ($size bytes)"
echo "SHA-256:     $(cut -d' ' -f1 "$out/al-collector.html.sha256")"
