#!/usr/bin/env bash
# Sets up what is missing on a fresh Debian/Ubuntu machine, builds WorkshopPilot Desktop and
# opens its window. Your workshops live in ~/.local/share/ai.workshoppilot.desktop (set
# WORKSHOPPILOT_DATA_DIR to use another folder). Try "Import…" with
# tests/fixtures/pawpal.workshop.json.
# Usage: scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_rust
ensure_app_deps
step "building the UI and the app"
npm --prefix ui run build
cargo build --workspace
step "starting WorkshopPilot"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "No display found: starting it under Xvfb (nothing will be visible)." >&2
    exec xvfb-run -a target/debug/workshoppilot-desktop
fi
exec target/debug/workshoppilot-desktop
