#!/usr/bin/env bash
# Command 1: builds the page and serves it on one origin with an Assemblyline API behind it.
#   bash scripts/run.sh                    -> the project's mock Assemblyline with sample data
#   AL_URL=https://al.example.org bash scripts/run.sh
#                                          -> /api/ proxied to that real server
#   AL_INSECURE=1 (with AL_URL)            -> accept its self-signed certificate
#   PORT=9000                              -> another port (default 8080)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
bash scripts/build.sh
port="${PORT:-8080}"
export PATH="$HOME/.cargo/bin:$root/.tools/binaryen/node_modules/.bin:$PATH"

if [ -n "${AL_URL:-}" ]; then
  case "$AL_URL" in http://*|https://*) ;; *) echo "AL_URL must start with https:// (got: $AL_URL)" >&2; exit 2;; esac
  insecure=()
  [ "${AL_INSECURE:-0}" = 1 ] && insecure=(--proxy-insecure)
  echo "AL Collector on http://127.0.0.1:$port/ — /api/ is proxied to ${AL_URL%/}/api/"
  echo "Leave Server URL empty and sign in with your Assemblyline user name and API key."
  exec trunk serve --release --offline --no-autoreload --port "$port" \
    --proxy-backend "${AL_URL%/}/api/" --proxy-rewrite /api/ "${insecure[@]}"
fi

cargo build -q -p mock-al
exec "$root/target/debug/mock-al" --dist "$root/dist" --port "$port" "$@"
