#!/usr/bin/env bash
# The page's Content-Security-Policy, in one place, and the post-build step that applies it.
#
#   bash scripts/csp.sh apply DIST   after `trunk build`: moves Trunk's inline boot script into
#                                    DIST/boot-<hash>.js and puts the policy in a <meta> tag, so
#                                    the page runs with no inline script at all (scripts/build.sh
#                                    calls this).
#   bash scripts/csp.sh policy [--script SRC] [--style SRC]
#                                    prints the policy; --script/--style replace 'self' (the
#                                    single-file build passes the hashes of its inline blocks).
#   AL_CONNECT_SRC="https://al.example.org ..."
#                                    extra origins the page may call (a Server URL on another
#                                    origin, which must also send CORS headers); default: none,
#                                    only the page's own origin.
#
# The same policy, plus `frame-ancestors 'none'` (ignored in <meta>), is sent as a header by the
# shipped nginx configurations in deploy/nginx/; tests/e2e/tests/deploy.rs checks they agree.
set -euo pipefail
shopt -s inherit_errexit

connect_src() {
  local extra="" origin origins=()
  read -r -a origins <<< "${AL_CONNECT_SRC:-}"
  for origin in "${origins[@]}"; do
    if ! [[ "$origin" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]+)?$|^https?://\[[0-9A-Fa-f:.]+\](:[0-9]+)?$ ]]; then
      echo "csp.sh: AL_CONNECT_SRC entries must be origins like https://al.example.org (got: $origin)" >&2
      exit 2
    fi
    extra+=" $origin"
  done
  printf "'self'%s" "$extra"
}

# policy SCRIPT STYLE
policy() {
  local connect
  connect="$(connect_src)" || exit 2
  printf "default-src 'none'; script-src %s 'wasm-unsafe-eval'; style-src %s; connect-src %s; img-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'" \
    "$1" "$2" "$connect"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  policy)
    script="'self'" style="'self'"
    while [ $# -gt 0 ]; do
      case "$1" in
        --script) script="$2"; shift 2;;
        --style) style="$2"; shift 2;;
        *) echo "csp.sh policy: unknown argument $1" >&2; exit 2;;
      esac
    done
    csp="$(policy "$script" "$style")"
    echo "$csp"
    ;;
  apply)
    dist="${1:?usage: csp.sh apply DIST}"
    [ -f "$dist/index.html" ] || { echo "csp.sh: $dist/index.html not found" >&2; exit 1; }
    command -v node >/dev/null || { echo "csp.sh needs node: run scripts/setup.sh" >&2; exit 1; }
    csp="$(policy "'self'" "'self'")"
    CSP="$csp" node - "$dist" <<'JS'
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const dist = process.argv[2];
const indexPath = path.join(dist, "index.html");
let html = fs.readFileSync(indexPath, "utf8");
const fail = (why) => { console.error(`csp.sh: ${indexPath}: ${why}`); process.exit(1); };

// Trunk's one inline boot script (imports the hashed glue, starts the wasm) becomes a file.
const inline = /<script type="module">([\s\S]*?)<\/script>/;
const found = html.match(inline);
if (found) {
  const body = found[1].trim() + "\n";
  const digest = crypto.createHash("sha256").update(body).digest("hex").slice(0, 16);
  const name = `boot-${digest}.js`;
  fs.writeFileSync(path.join(dist, name), body);
  const sri = "sha384-" + crypto.createHash("sha384").update(body).digest("base64");
  html = html.replace(inline, `<script type="module" src="./${name}" integrity="${sri}"></script>`);
} else if (!/<script type="module" src="\.\/boot-[0-9a-f]{16}\.js"/.test(html)) {
  fail("no Trunk boot script found (was it built with trunk build?)");
}
if (/<script(?![^>]*\ssrc=)[^>]*>/i.test(html)) fail("an inline <script> is left; the CSP would block it");
if (/<style[\s>]|\sstyle=/i.test(html)) fail("inline styles are left; the CSP would block them");
if (/(src|href)=["']?(https?:)?\/\//i.test(html)) fail("the page references another origin");

// The policy goes first in <head>: a <meta> CSP only governs what comes after it.
const meta = `<meta http-equiv="Content-Security-Policy" content="${process.env.CSP}" />`;
html = html.replace(/\s*<meta http-equiv="Content-Security-Policy"[^>]*>/i, "");
if (!/<meta charset="utf-8" \/>/.test(html)) fail('no <meta charset="utf-8" /> to put the policy after');
html = html.replace(/<meta charset="utf-8" \/>/, (m) => `${m}\n    ${meta}`);
fs.writeFileSync(indexPath, html);
JS
    echo "csp.sh: Content-Security-Policy applied to $dist/index.html"
    ;;
  *)
    echo "usage: bash scripts/csp.sh apply DIST | policy [--script SRC] [--style SRC]" >&2
    exit 2
    ;;
esac
