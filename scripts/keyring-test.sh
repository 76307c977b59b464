#!/usr/bin/env bash
# Runs the keyring tests against a real gnome-keyring Secret Service (scripts/with-keyring.sh).
# Usage: scripts/keyring-test.sh   (after the test binaries are built)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/with-keyring.sh bash -c '
    cargo test -p wp-sync --test keyring -- --ignored
    cargo test -p wp-cli --test sync -- --ignored
'
