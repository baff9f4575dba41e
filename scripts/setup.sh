#!/usr/bin/env bash
# Installs what AL Collector's build and tests need, skipping whatever is already there.
# Safe to run again and again: every step checks first. Sourced by run.sh and test.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$root/.tools/binaryen/node_modules/.bin:$PATH"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

command -v cargo >/dev/null || { echo "Rust (cargo) is required: see https://rustup.rs" >&2; exit 1; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo clippy --version >/dev/null 2>&1; then
  say "adding clippy (the lint gate in scripts/test.sh)"
  rustup component add clippy
fi

# Trunk 0.22 needs a newer rustc than this machine's; 0.21.14 is the last that builds here.
if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "0.21.14" ]; then
  say "installing trunk 0.21.14 (about 10 minutes, once)"
  cargo install --locked trunk@0.21.14
fi

# wasm-bindgen-cli must match the wasm-bindgen version the lockfile pins.
want_bindgen="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock 2>/dev/null || true)"
want_bindgen="${want_bindgen:-0.2.130}"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want_bindgen" ]; then
  say "installing wasm-bindgen-cli $want_bindgen"
  # No --locked: this registry lacks one dependency version the upstream lockfile names.
  cargo install wasm-bindgen-cli --version "$want_bindgen"
fi

# wasm-opt from npm: Trunk cannot download binaryen offline and Debian's is too old.
if ! [ -x "$root/.tools/binaryen/node_modules/.bin/wasm-opt" ]; then
  command -v npm >/dev/null || apt_install nodejs npm
  say "installing wasm-opt (npm binaryen@132) into .tools/"
  mkdir -p "$root/.tools/binaryen"
  (cd "$root/.tools/binaryen" && npm install --silent --no-audit --no-fund binaryen@132 >/dev/null)
fi

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  say "installing Debian chromium and chromium-driver"
  apt_install chromium chromium-driver
fi

# Firefox ESR: the end-to-end flows run a second time in it (scripts/test.sh), through
# geckodriver, which Debian does not package; 0.37.1 builds from crates.io in a few minutes.
if ! command -v firefox-esr >/dev/null; then
  say "installing Debian firefox-esr"
  apt_install firefox-esr
fi
if [ "$(geckodriver --version 2>/dev/null | awk 'NR == 1 {print $2}')" != "0.37.1" ]; then
  say "installing geckodriver 0.37.1 (a few minutes, once)"
  cargo install --locked geckodriver@0.37.1
fi

# nginx: the deployment tests run the shipped deploy/nginx/ configurations in a real one (as a
# child process on a loopback port). Only the binary is needed: no service is started.
if ! command -v nginx >/dev/null && ! [ -x /usr/sbin/nginx ]; then
  say "installing Debian nginx (for the deployment tests)"
  no_start=""
  if ! [ -e /usr/sbin/policy-rc.d ]; then
    # Keep the package from starting a system nginx on port 80 while it installs.
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod +x /usr/sbin/policy-rc.d
    no_start=1
  fi
  status=0
  apt_install nginx || status=$?
  if [ -n "$no_start" ]; then as_root rm -f /usr/sbin/policy-rc.d; fi
  if [ "$status" != 0 ]; then exit "$status"; fi
fi
# The deployment tests also run the guide's commands (openssl, envsubst) and talk TLS and
# HTTP/2 to nginx (curl).
missing=""
for tool in openssl:openssl envsubst:gettext-base curl:curl; do
  command -v "${tool%%:*}" >/dev/null || missing+=" ${tool#*:}"
done
if [ -n "$missing" ]; then
  say "installing$missing (for the deployment tests)"
  # shellcheck disable=SC2086
  apt_install $missing
fi

# The export checkers the end-to-end tests run on the page's files (tests/e2e/tests/exports.rs):
# OASIS's STIX validator and library, and pymisp (MISP's attribute types and categories), in a
# venv of their own under .tools/, made once and remade only when a package is missing.
venv="$root/.tools/validators-venv"
if ! "$venv/bin/python" -c 'import stix2validator, stix2; from pymisp.tools import validate_attribute' 2>/dev/null; then
  say "creating $venv with stix2-validator, stix2 and pymisp from PyPI"
  rm -rf "$venv"
  python3 -m venv "$venv" || { apt_install python3-venv; python3 -m venv "$venv"; }
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    'stix2-validator>=3.3,<4' 'stix2>=3.0.2,<4' 'pymisp>=2.5.34,<3'
fi

# axe-core, the accessibility engine the end-to-end run injects on every tab (tests/e2e/tests/a11y.rs).
if ! [ -f "$root/.tools/axe-core/node_modules/axe-core/axe.min.js" ]; then
  command -v npm >/dev/null || apt_install nodejs npm
  say "installing axe-core@4.14 (npm) into .tools/"
  mkdir -p "$root/.tools/axe-core"
  (cd "$root/.tools/axe-core" && npm install --silent --no-audit --no-fund axe-core@4.14 >/dev/null)
fi
