#!/usr/bin/env bash
# Builds the app and runs the end-to-end tests in its real window under Xvfb.
# Screenshots land in target/e2e-screenshots/.
# Usage: scripts/e2e.sh   (scripts/test.sh runs it too)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_app_deps
ensure_tauri_driver
ensure_keyring
start_postgres    # the sync tests' server; stopped on exit
step "building the UI and the app"
npm --prefix ui run build
cargo build --workspace --all-targets   # the same build as scripts/test.sh
step "end-to-end tests (tauri-driver + WebKitWebDriver under Xvfb, gnome-keyring under D-Bus)"
rm -rf target/e2e-screenshots
scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1400x900x24" npm --prefix ui run e2e
