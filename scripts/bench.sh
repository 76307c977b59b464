#!/usr/bin/env bash
# Runs a benchmark and writes its section of BENCHMARKS.md.
# Usage: scripts/bench.sh core|server
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_rust
case "${1:-}" in
    core) cargo run --release -p wp-bench -- core ;;
    server)
        start_postgres
        cargo run --release -p wp-bench -- server ;;
    *) echo "usage: scripts/bench.sh core|server" >&2; exit 2 ;;
esac
