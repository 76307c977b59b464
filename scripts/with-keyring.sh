#!/usr/bin/env bash
# Runs a command with a real gnome-keyring Secret Service: a private D-Bus session
# (dbus-run-session), a throwaway XDG_DATA_HOME, and the daemon unlocked with an empty
# password (an empty line on its stdin, not empty input). The keyring tests and the window
# tests run under it.
# Usage: scripts/with-keyring.sh COMMAND [ARGS...]
set -euo pipefail
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
export XDG_DATA_HOME="$data"
exec_under_keyring() {
    echo "" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    "$@"
}
export -f exec_under_keyring
dbus-run-session -- bash -c 'exec_under_keyring "$@"' keyring "$@"
