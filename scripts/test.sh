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

step "lints: clippy, native and for the page (wasm32), warnings are errors"
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo clippy -p al-collector --target wasm32-unknown-unknown --lib --bins --test browser --test byte_worker --quiet -- -D warnings

step "1/3 native tests: pure core and mock Assemblyline server"
run cargo test --workspace --exclude al-e2e

step "building the page (release)"
bash scripts/build.sh

step "2/3 browser tests in headless Chromium"
CHROMEDRIVER="$(command -v chromedriver)" WASM_BINDGEN_TEST_TIMEOUT=180 \
  run cargo test -p al-collector --target wasm32-unknown-unknown --test browser --test byte_worker

step "2/3 browser tests, again in headless Firefox ESR"
GECKODRIVER="$(command -v geckodriver)" WASM_BINDGEN_TEST_TIMEOUT=180 \
  run cargo test -p al-collector --target wasm32-unknown-unknown --test browser

step "3/3 end-to-end: the built page + mock server, driven in Chromium"
AL_DIST="$root/dist" run cargo test -p al-e2e -- --test-threads=1

# The analyst's flows again in Firefox ESR: connect, IoC export, collection, faults,
# deployment, security and what differs by browser. The scale run stays Chromium's, to keep
# this pass to a few minutes.
step "3/3 end-to-end, again in Firefox ESR: connect, IoCs, collection, faults, deployment"
firefox_tests=(--test connect --test iocs --test collect --test preview --test one_click --test faults
               --test incremental --test deploy --test security --test browsers)
AL_DIST="$root/dist" AL_E2E_BROWSER=firefox \
  run cargo test -p al-e2e "${firefox_tests[@]}" -- --test-threads=1 \
    --skip five_thousand_files_in_one_click

step "all layers"
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "%d passed, %d failed\n", p, f }' "$log"
