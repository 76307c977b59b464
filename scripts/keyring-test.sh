#!/usr/bin/env bash
# Runs the keyring test against a real gnome-keyring Secret Service: a private D-Bus session
# (dbus-run-session), a throwaway XDG_DATA_HOME, and the daemon unlocked with an empty
# password (an empty line on its stdin, not empty input).
# Usage: scripts/keyring-test.sh   (after the test binaries are built)
set -euo pipefail
cd "$(dirname "$0")/.."
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
XDG_DATA_HOME="$data" \
    dbus-run-session -- bash -c '
        echo "" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        cargo test -p wp-sync --test keyring -- --ignored
        cargo test -p wp-cli --test sync -- --ignored
    '
