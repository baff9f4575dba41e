#!/usr/bin/env bash
# Builds the page into dist/ with the tools setup.sh installed; never downloads tools.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$root/.tools/binaryen/node_modules/.bin:$PATH"
cargo fetch --target wasm32-unknown-unknown --quiet
trunk build --release --offline "$@"
