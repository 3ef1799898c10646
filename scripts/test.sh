#!/usr/bin/env bash
# Runs every test of trivsel on a fresh machine: installs what the tests need that is missing
# (LibreOffice, poppler and the Carlito font for the Word-file test; PostgreSQL and nginx for the
# tests of the PostgreSQL store and of several nodes; Chromium and the browser test's npm
# packages), then formatting and lint checks, the Rust unit and integration tests of the whole
# workspace (the server and the benchmark), and the browser test.
set -euo pipefail
cd "$(dirname "$0")/.."

# tests/integration/office.rs renders the Word exports with LibreOffice (Calibri set in its
# metric twin Carlito) and reads the PDFs with poppler.
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v soffice >/dev/null || ! command -v pdftotext >/dev/null \
  || [ -z "$(fc-list Carlito 2>/dev/null)" ]; then
  echo "== installing libreoffice-writer-nogui, poppler-utils, fonts-crosextra-carlito (apt)"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    libreoffice-writer-nogui poppler-utils fonts-crosextra-carlito
fi

# The PostgreSQL store's tests start Debian's PostgreSQL server themselves (a temporary cluster on
# a free port), and the node-loss test puts nginx in front of three nodes: both only need the
# programs installed (tests/integration/postgres.rs, tests/integration/nodes.rs).
if ! compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || ! [ -x /usr/sbin/nginx ]; then
  echo "== installing postgresql, nginx (apt)"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    postgresql nginx
fi
# Chromium and playwright-core: the browser tests' and the benchmark's page scenario (whose smoke
# run is part of `cargo test`).
echo "== browser test dependencies"
bash scripts/browser-test.sh --install-only

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace --all-targets
echo "== browser test"
bash scripts/browser-test.sh
