#!/usr/bin/env bash
# Runs every test of trivsel on a fresh machine: installs what the tests need that is missing
# (Chromium from Debian, the browser test's npm packages), then formatting and lint checks,
# the Rust unit and integration tests of the whole workspace (the server and the benchmark),
# and the browser test.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace --all-targets
echo "== browser test"
bash scripts/browser-test.sh
