#!/usr/bin/env bash
# Builds the Debian package of WorkshopPilot Desktop with the Tauri CLI.
# Output: target/release/bundle/deb/WorkshopPilot_<version>_amd64.deb
# Usage: scripts/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_rust
ensure_apt file    # used by the bundler
ensure_app_deps
step "building the .deb (tauri build --bundles deb)"
ui/node_modules/.bin/tauri build --bundles deb
ls -l target/release/bundle/deb/*.deb
