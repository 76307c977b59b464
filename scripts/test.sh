#!/usr/bin/env bash
# Sets up what is missing on a fresh Debian/Ubuntu machine, then runs every test.
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_rust
start_postgres    # for the server's integration tests; stopped on exit

step "formatting"
cargo fmt --all -- --check

step "tests"
if command -v cargo-nextest >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast
else
    cargo test --workspace --no-fail-fast
fi
