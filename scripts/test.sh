#!/usr/bin/env bash
# Command 2: every test layer. CI (.ci/run) calls exactly this.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$root/.tools/binaryen/node_modules/.bin:$PATH"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "1/3 native tests: pure core and mock Assemblyline server"
cargo test --workspace --exclude al-e2e

step "building the page (release)"
bash scripts/build.sh

step "2/3 browser tests in headless Chromium"
CHROMEDRIVER="$(command -v chromedriver)" WASM_BINDGEN_TEST_TIMEOUT=180 \
  cargo test -p al-collector --target wasm32-unknown-unknown --test browser

step "3/3 end-to-end: the built page + mock server, driven in Chromium"
AL_DIST="$root/dist" cargo test -p al-e2e -- --test-threads=1
