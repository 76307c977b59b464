#!/usr/bin/env bash
# Runs a benchmark and writes its section of BENCHMARKS.md.
# Usage: scripts/bench.sh core|server|app|sync|pokes|fanout|typing|series
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_rust
case "${1:-}" in
    core) cargo run --release -p wp-bench -- core ;;
    server)
        start_postgres
        cargo run --release -p wp-bench -- server ;;
    sync)
        start_postgres
        cargo build --release -p wp-cli -p wp-bench
        # The first sync is compared with the CLI of the commit before the streamed snapshot
        # (WP_BENCH_BASE_REV, "none" to skip), built from a git worktree.
        base_rev="${WP_BENCH_BASE_REV:-6c8f0ea}"
        if [ "$base_rev" != none ]; then
            worktree="target/bench-base/$base_rev"
            [ -d "$worktree" ] || git worktree add --detach "$worktree" "$base_rev"
            CARGO_TARGET_DIR=target/bench-base-target \
                cargo build --release -p wp-cli --manifest-path "$worktree/Cargo.toml"
            export WP_BENCH_BASE_CLI="$PWD/target/bench-base-target/release/workshoppilot"
            export WP_BENCH_BASE_REV="$base_rev"
        fi
        target/release/wp-bench sync "${@:2}" ;;
    fanout)
        start_postgres
        cargo build --release -p wp-server -p wp-bench
        target/release/wp-bench fanout "${@:2}" ;;
    pokes)
        start_postgres
        cargo build --release -p wp-server -p wp-bench
        target/release/wp-bench pokes "${@:2}" ;;
    series)
        ensure_pyref
        cargo build --release -p wp-bench
        target/release/wp-bench series "${@:2}" ;;
    typing)
        start_postgres
        cargo build --release -p wp-bench
        target/release/wp-bench typing "${@:2}" ;;
    app)
        ensure_app_deps
        npm --prefix ui run build
        cargo build --release -p workshoppilot-desktop -p wp-bench
        xvfb-run -a -s "-screen 0 1400x900x24" target/release/wp-bench app ;;
    *) echo "usage: scripts/bench.sh core|server|app|sync|pokes|fanout|typing|series" >&2; exit 2 ;;
esac
