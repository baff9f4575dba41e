#!/usr/bin/env bash
# Builds the page into dist/ with the tools setup.sh installed; never downloads tools.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$root/.tools/binaryen/node_modules/.bin:$PATH"
cargo fetch --target wasm32-unknown-unknown --quiet
trunk build --release --offline "$@"

# Post-build: the Content-Security-Policy (scripts/csp.sh) on the folder trunk just wrote.
dist="${TRUNK_BUILD_DIST:-dist}"
while [ $# -gt 0 ]; do
  case "$1" in
    --dist|-d) dist="$2"; shift 2;;
    --dist=*) dist="${1#--dist=}"; shift;;
    *) shift;;
  esac
done
bash "$root/scripts/csp.sh" apply "$dist"
