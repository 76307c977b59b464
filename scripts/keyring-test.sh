#!/usr/bin/env bash
# Runs the keyring tests against a real gnome-keyring Secret Service (scripts/with-keyring.sh):
# the two tests marked ignored for want of one. Over the workspace's build, as scripts/test.sh
# builds it (`cargo build --workspace --all-targets`): `cargo test -p …` would resolve features
# for one package and rebuild much of the workspace.
# Usage: scripts/keyring-test.sh   (scripts/test.sh runs it)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/with-keyring.sh cargo nextest run --workspace --run-ignored only --no-fail-fast \
    -E 'binary(keyring) | test(=login_keeps_the_token_in_the_keyring_and_logout_deletes_it)'
