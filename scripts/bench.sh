#!/usr/bin/env bash
# The benchmark (docs/benchmark.md): the seed exercise-2 script (Python, official
# assemblyline-client from PyPI) and AL Collector (the built page, headless Chromium) against the
# mock Assemblyline server, at today's small set and at collection scale (thousands of
# submissions and files, 0 and 20 ms per call); the page's weight and IoC view; then the page
# bundling >= 2 GB while its memory is sampled.
# Prints figures with PASS/FAIL next to each target; exits non-zero only if something crashed.
#
#   BENCH_SUBMISSIONS=250   submissions in the mock (the seed's rule selects those >= 7000)
#   BENCH_LATENCY_MS=20     added to every API call
#   BENCH_MEMORY_GB=2       content bundled by the memory part (0 skips it)
#   BENCH_SPEED=1           0 skips the speed part
#   BENCH_SCALE=200x0.55@20,500x2.2@0,4000x2.2@0,4000x2.2@20   scale workloads:
#                           submissions x qualifying files per submission @ ms per call (0 skips)
#   BENCH_SCALE_H2=1        each scale workload also in one click through nginx, TLS and HTTP/2 (0 skips)
#   BENCH_MEMORY_KEEPER=scratch   memory: hide OPFS so the page keeps zips in memory (Safari-like)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
bash scripts/build.sh
export PATH="$HOME/.cargo/bin:$root/.tools/binaryen/node_modules/.bin:$PATH"

say() { printf '\033[1m[bench]\033[0m %s\n' "$*"; }

# The seed script's interpreter: a venv with the official client, made once.
venv="$root/.tools/bench-venv"
if ! "$venv/bin/python" -c 'import assemblyline_client' 2>/dev/null; then
  say "creating $venv with assemblyline-client from PyPI"
  rm -rf "$venv"
  python3 -m venv "$venv" || {
    say "python3 -m venv failed: installing Debian's python3-venv"
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null;
    else sudo apt-get update -qq && sudo apt-get install -y -qq python3-venv >/dev/null; fi
    python3 -m venv "$venv"
  }
  "$venv/bin/pip" install --quiet assemblyline-client
fi
say "seed client: $("$venv/bin/pip" show assemblyline-client 2>/dev/null | awk '/^Version/{print "assemblyline-client " $2}'), $("$venv/bin/python" --version)"

# Its own profile (Cargo.toml, bench-tools): optimised, so the mock answers as fast as a real
# server; the release profile is tuned for the wasm page (opt-level z + LTO).
cargo build -q -p al-e2e --bin bench --profile bench-tools
say "running the benchmark (a few minutes; the memory part writes a ${BENCH_MEMORY_GB:-2} GB zip under ${TMPDIR:-/tmp})"
AL_DIST="$root/dist" BENCH_PYTHON="$venv/bin/python" "${CARGO_TARGET_DIR:-$root/target}/bench-tools/bench"
