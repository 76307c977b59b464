#!/usr/bin/env bash
# Sets up what is missing on a fresh Debian/Ubuntu machine, then runs WorkshopPilot.
# Until the desktop window lands, this builds the command-line tool and opens the PawPal
# demo workshop with it, in a demo data directory (never your own data).
# Usage: scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_rust
step "building the workshoppilot CLI"
cargo build --release -p wp-cli
export WORKSHOPPILOT_DATA_DIR="${WORKSHOPPILOT_DATA_DIR:-$PWD/target/demo-data}"
wp=target/release/workshoppilot
if ! "$wp" show PawPal >/dev/null 2>&1; then
    "$wp" import tests/fixtures/pawpal.workshop.json >/dev/null
fi
"$wp" show PawPal
echo
echo "Data directory: $WORKSHOPPILOT_DATA_DIR  (try: $wp --help)"
