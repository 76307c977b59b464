#!/usr/bin/env bash
# Sets up what is missing on a fresh Debian/Ubuntu machine, then runs every test: the Rust
# crates (store, build packs, CLI, server and sync against a real PostgreSQL 15, the app's
# Rust side), the keyring tests against a real gnome-keyring,
# the UI's type check, and the end-to-end tests in the app's real window under Xvfb.
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_rust
ensure_app_deps
ensure_tauri_driver
ensure_keyring
ensure_pyref      # python-dateutil, for the series property test
start_postgres    # for the server's integration tests; stopped on exit

step "formatting"
cargo fmt --all -- --check

step "the UI: type check and build (the app embeds ui/dist)"
npm --prefix ui run check
npm --prefix ui run build

step "building every crate and the app (one feature resolution for the whole workspace)"
cargo build --workspace

step "Rust tests (the sync fault simulation runs 100,000 steps over 50 seeds)"
export WP_SIM_STEPS="${WP_SIM_STEPS:-100000}" WP_SIM_SEEDS="${WP_SIM_SEEDS:-50}"
if command -v cargo-nextest >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast
else
    cargo test --workspace --no-fail-fast
fi

step "the token in a real OS keyring (gnome-keyring under dbus-run-session)"
scripts/keyring-test.sh

step "end-to-end tests in the app window (sync against the server, the token in a real gnome-keyring)"
rm -rf target/e2e-screenshots
scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1400x900x24" npm --prefix ui run e2e

step "the window with no keyring (the session bus points at nothing), and a first sync of 1,500 workshops"
DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus \
    xvfb-run -a -s "-screen 0 1400x900x24" npm --prefix ui run e2e -- --spec e2e/specs/no-keyring.e2e.js
