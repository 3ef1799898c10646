#!/usr/bin/env bash
# Real-browser tests (tests/browser/*.test.mjs: a whole meeting, the smoke
# test, the activity steps, the series, hostile input): install what is
# missing (Chromium from apt, playwright-core and axe-core from npm), build the
# server, run them one file at a time. Exits non-zero when a
# test fails. Screenshots and server logs end up in tests/browser/artifacts/,
# prefixed by the test file (meeting-*, smoke-*, activities-*, …), and each
# file's axe-core results in <prefix>-axe.json.
#
# With --install-only it installs what is missing and stops (scripts/test.sh does that first:
# the benchmark's page scenario, run by `cargo test`, uses the same Chromium and playwright-core).
#
# Environment: CHROMIUM_PATH (default /usr/bin/chromium), CARGO_TARGET_DIR.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo "$@"
  fi
}

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ "$chromium" != /usr/bin/chromium ]; then
    echo "browser-test: CHROMIUM_PATH=$chromium does not exist" >&2
    exit 1
  fi
  echo "browser-test: installing chromium (apt)" >&2
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi

# The print test reads its PDFs' text page by page and renders the pages (pdftotext, pdftoppm).
if ! command -v pdftotext >/dev/null || ! command -v pdftoppm >/dev/null; then
  echo "browser-test: installing poppler-utils (apt)" >&2
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends poppler-utils
fi

if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -d tests/browser/node_modules/axe-core ]; then
  echo "browser-test: installing playwright-core and axe-core (npm)" >&2
  if [ -f tests/browser/package-lock.json ]; then
    npm ci --prefix tests/browser --no-audit --no-fund
  else
    npm install --prefix tests/browser --no-audit --no-fund
  fi
fi

if [ "${1:-}" = "--install-only" ]; then
  exit 0
fi

echo "browser-test: building the server" >&2
cargo build --quiet --bin trivsel

# The test files, named explicitly: `node --test DIR` finds them on Node 20,
# but newer Node versions read arguments as glob patterns, not directories.
shopt -s nullglob
tests=(tests/browser/*.test.mjs)
if [ "${#tests[@]}" -eq 0 ]; then
  echo "browser-test: no tests/browser/*.test.mjs" >&2
  exit 1
fi
# One file at a time: each starts its own server and browser.
exec node --test --test-concurrency=1 "${tests[@]}"
