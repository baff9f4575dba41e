#!/usr/bin/env bash
# Command 2: every test layer. CI (.ci/run) calls exactly this.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$root/.tools/binaryen/node_modules/.bin:$PATH"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Every layer's output also goes to a log, summed up at the end into one closing line.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
run() { "$@" 2>&1 | tee -a "$log"; }

step "format"
cargo fmt --all -- --check

step "1/3 native tests: pure core and mock Assemblyline server"
run cargo test --workspace --exclude al-e2e

step "building the page (release)"
bash scripts/build.sh

step "2/3 browser tests in headless Chromium"
CHROMEDRIVER="$(command -v chromedriver)" WASM_BINDGEN_TEST_TIMEOUT=180 \
  run cargo test -p al-collector --target wasm32-unknown-unknown --test browser --test byte_worker

step "3/3 end-to-end: the built page + mock server, driven in Chromium"
AL_DIST="$root/dist" run cargo test -p al-e2e -- --test-threads=1

step "all layers"
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "%d passed, %d failed\n", p, f }' "$log"
