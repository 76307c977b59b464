#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL 15 cluster under target/pg on 127.0.0.1:54329
# (WP_PG_PORT to change it). `start` prints the DATABASE_URL to use.
# Usage: scripts/postgres.sh start|stop
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
case "${1:-}" in
    start)
        start_postgres
        trap - EXIT
        echo "DATABASE_URL=$WP_TEST_DATABASE_URL"
        ;;
    stop)
        PGDATA_DIR="$PWD/target/pg/data"
        stop_postgres
        ;;
    *) echo "usage: scripts/postgres.sh start|stop" >&2; exit 2 ;;
esac
