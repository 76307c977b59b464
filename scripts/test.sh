#!/usr/bin/env bash
# Sets up what is missing on a fresh Debian/Ubuntu machine, then runs every test: the Rust
# crates (store, build packs, CLI, server and sync against a real PostgreSQL 15, the app's
# Rust side, the 100,000-step sync fault simulation over 50 seeds), the server's SQL against
# its migrated schema, the keyring tests against a real gnome-keyring, the UI's type check,
# and the end-to-end tests in the app's real window under Xvfb. Ends with what ran and how long each part took.
#
# Usage: scripts/test.sh            every test
#        scripts/test.sh --quick    for day-to-day work: every test but the window tests, with
#                                   the fault simulation at its default size, 20,000 steps over
#                                   10 seeds (WP_SIM_STEPS and WP_SIM_SEEDS still size it)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

quick=0
case "${1:-}" in
    "") ;;
    --quick) quick=1 ;;
    *) echo "usage: scripts/test.sh [--quick]" >&2; exit 2 ;;
esac

ensure_rust
ensure_app_deps
[ "$quick" = 1 ] || ensure_tauri_driver
ensure_keyring
ensure_pyref      # python-dateutil, for the series property test
ensure_sqlx_cli   # cargo sqlx prepare --check
# A throwaway cluster: nothing in it has to survive a crash, so it does not flush to disk.
WP_PG_OPTIONS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start_postgres    # for the server's integration tests; stopped on exit
timing_start "after installs"

logs=target/test-logs
rm -rf "$logs"
mkdir -p "$logs"

step "formatting"
cargo fmt --all -- --check
lap "formatting"

step "the server's SQL against the migrated schema (cargo sqlx prepare --check)"
check_server_sql
lap "server SQL check"

step "the UI: type check and build (the app embeds ui/dist)"
npm --prefix ui run check
npm --prefix ui run build
lap "UI check and build"

# One cargo invocation for the app, the CLI and every test: built apart, the tests' extra
# features (dev-dependencies) made cargo build 44 crates twice, GTK and Tauri among them.
step "building every crate, the app and the tests (one feature resolution for the whole workspace)"
cargo build --workspace --all-targets
lap "build"

if [ "$quick" = 1 ]; then
    export WP_SIM_STEPS="${WP_SIM_STEPS:-20000}" WP_SIM_SEEDS="${WP_SIM_SEEDS:-10}"
else
    export WP_SIM_STEPS="${WP_SIM_STEPS:-100000}" WP_SIM_SEEDS="${WP_SIM_SEEDS:-50}"
fi

step "Rust tests (the sync fault simulation runs $WP_SIM_STEPS steps over $WP_SIM_SEEDS seeds)"
cargo nextest run --workspace --no-fail-fast 2>&1 | tee "$logs/rust.txt"
lap "Rust tests"

step "the token in a real OS keyring (gnome-keyring under dbus-run-session)"
scripts/keyring-test.sh 2>&1 | tee "$logs/keyring.txt"
lap "keyring tests"

if [ "$quick" = 0 ]; then
    # One log for both window runs, for the report below.
    {
        step "end-to-end tests in the app window (sync against the server, the token in a real gnome-keyring)"
        rm -rf target/e2e-screenshots
        scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1400x900x24" npm --prefix ui run e2e
        step "the window with no keyring (the session bus points at nothing), and a first sync of 1,500 workshops"
        DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus \
            xvfb-run -a -s "-screen 0 1400x900x24" npm --prefix ui run e2e -- --spec e2e/specs/no-keyring.e2e.js
        step "the window in Asia/Tokyo with a 12-hour clock (en-US): a New York series' times"
        TZ=Asia/Tokyo WP_E2E_LANG=en_US.UTF-8 \
            xvfb-run -a -s "-screen 0 1400x900x24" npm --prefix ui run e2e -- --spec e2e/specs/zones.e2e.js
    } 2>&1 | tee "$logs/window.txt"
    lap "window tests"
fi

step "what ran"
test_report "$logs"
