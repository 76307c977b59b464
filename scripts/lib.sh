# Shared helpers for the scripts in this folder. Sourced, not run.

step() { printf '\n==> %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages given that are not installed yet.
ensure_apt() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        step "installing ${missing[*]}"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

ensure_rust() {
    if ! command -v cargo >/dev/null 2>&1; then
        ensure_apt curl ca-certificates build-essential
        step "installing Rust (rustup)"
        curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt
        # shellcheck disable=SC1091
        source "$HOME/.cargo/env"
    fi
    ensure_apt build-essential pkg-config
}

# PostgreSQL 15 for tests and benchmarks: a throwaway cluster under target/pg, listening on
# 127.0.0.1:$WP_PG_PORT (default 54329) with trust auth for the local `postgres` role.
# Exports WP_TEST_DATABASE_URL; stop_postgres stops it (start_postgres arms an EXIT trap).
PG_BIN=/usr/lib/postgresql/15/bin

pg_run() {
    # initdb and postgres refuse to run as root: use the postgres account then.
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
    ensure_apt postgresql-15
    local port="${WP_PG_PORT:-54329}"
    PGDATA_DIR="$PWD/target/pg/data"
    stop_postgres
    rm -rf "$PWD/target/pg"
    mkdir -p "$PGDATA_DIR"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$PWD/target/pg"; fi
    step "starting PostgreSQL 15 on 127.0.0.1:$port ($PGDATA_DIR)"
    pg_run "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust --encoding=UTF8 --no-instructions >/dev/null
    pg_run "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PWD/target/pg/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PGDATA_DIR -c max_connections=200 ${WP_PG_OPTIONS:-}" start >/dev/null
    export WP_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
    trap stop_postgres EXIT
}

stop_postgres() {
    if [ -n "${PGDATA_DIR:-}" ] && [ -f "$PGDATA_DIR/postmaster.pid" ]; then
        pg_run "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
    fi
}

# Node.js and npm, pinned, so every machine builds the UI with the versions it was tested with.
# Vite 8 needs Node ^20.19 or >= 22.12 (Debian 12's nodejs is 18); ui/package-lock.json is
# written by npm 11. Both come from the npm registry (node-linux-<arch> carries the official
# Node.js binaries), checked against the sha512 the registry published for them, and go into
# target/tools/, which ensure_node puts first on PATH. Nothing outside the checkout changes.
NODE_VERSION=24.22.3
NPM_VERSION=11.21.3
declare -A NODE_INTEGRITY=(
    [x64]=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
    [arm64]=sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==
)
NPM_INTEGRITY=sha512-5Cf+jE+XctbhH/zjOOqXC+ity7eec/Tkk4Ql38tf6w+1htp2wYPHmE4c1R1Es3DY227Ac14+SLrlYJwkBicbTg==

# Downloads the npm registry tarball at URL to FILE and checks it against INTEGRITY (sha512-…).
fetch_checked() {
    local url=$1 integrity=$2 file=$3
    curl -fsSL --retry 3 -o "$file" "$url"
    local got
    got="sha512-$(openssl dgst -sha512 -binary "$file" | base64 -w0)"
    if [ "$got" != "$integrity" ]; then
        echo "error: $url does not match its pinned integrity ($got)" >&2
        return 1
    fi
}

ensure_node() {
    local arch
    case "$(uname -m)" in
        x86_64) arch=x64 ;;
        aarch64) arch=arm64 ;;
        *) echo "error: no pinned Node.js for $(uname -m)" >&2; return 1 ;;
    esac
    local dir="$PWD/target/tools/node-v$NODE_VERSION-npm-$NPM_VERSION"
    if [ ! -x "$dir/bin/npm" ]; then
        ensure_apt curl ca-certificates openssl
        step "installing Node.js $NODE_VERSION and npm $NPM_VERSION (target/tools)"
        local part="$dir.part"
        rm -rf "$part"
        mkdir -p "$part/lib/node_modules/npm"
        fetch_checked "https://registry.npmjs.org/node-linux-$arch/-/node-linux-$arch-$NODE_VERSION.tgz" \
            "${NODE_INTEGRITY[$arch]}" "$part/node.tgz"
        fetch_checked "https://registry.npmjs.org/npm/-/npm-$NPM_VERSION.tgz" "$NPM_INTEGRITY" "$part/npm.tgz"
        tar xzf "$part/node.tgz" --strip-components=1 -C "$part"
        tar xzf "$part/npm.tgz" --strip-components=1 -C "$part/lib/node_modules/npm"
        rm "$part/node.tgz" "$part/npm.tgz"
        ln -s ../lib/node_modules/npm/bin/npm-cli.js "$part/bin/npm"
        ln -s ../lib/node_modules/npm/bin/npx-cli.js "$part/bin/npx"
        mv "$part" "$dir"
    fi
    export PATH="$dir/bin:$PATH"
}

# What the desktop app needs to build, test and run on Debian/Ubuntu.
ensure_app_deps() {
    ensure_apt build-essential pkg-config libwebkit2gtk-4.1-dev libssl-dev libayatana-appindicator3-dev \
        librsvg2-dev xvfb xauth webkit2gtk-driver locales
    # The window tests run in en-GB (24-hour clock) and en-US (12-hour, zones.e2e.js): WebKit
    # takes its locale from the C library's, which must be generated to be found.
    local l
    for l in en_GB en_US; do
        locale -a | grep -qix "$l\.utf-\?8" || localedef -i "$l" -f UTF-8 "$l.UTF-8"
    done
    ensure_node
    # npm ci installs exactly what ui/package-lock.json says, and never rewrites it. Again
    # when the lock file is newer than the last install, or the install was made by another
    # Node.js.
    local stamp=ui/node_modules/.installed-with
    if [ ! -f "$stamp" ] || [ ui/package-lock.json -nt "$stamp" ] \
        || [ "$(cat "$stamp")" != "node-$NODE_VERSION npm-$NPM_VERSION" ]; then
        step "installing the UI's npm packages (npm ci)"
        npm --prefix ui ci --no-audit --no-fund
        echo "node-$NODE_VERSION npm-$NPM_VERSION" >"$stamp"
    fi
}

# tauri-driver bridges WebDriver to the app's WebKitWebDriver (Tauri 2: tauri-driver 2.x).
ensure_tauri_driver() {
    if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
        step "installing tauri-driver"
        cargo install tauri-driver --version '^2' --locked
    fi
    export TAURI_DRIVER="$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")"
}

# sqlx-cli, pinned to the sqlx the server builds with (Cargo.lock), for `cargo sqlx prepare
# --check`; only its PostgreSQL driver. Installed under target/tools/sqlx-cli.
SQLX_CLI_VERSION=0.9.0
ensure_sqlx_cli() {
    local bin="$PWD/target/tools/sqlx-cli/bin"
    if ! "$bin/sqlx" --version 2>/dev/null | grep -qx "sqlx-cli $SQLX_CLI_VERSION"; then
        step "installing sqlx-cli $SQLX_CLI_VERSION"
        cargo install sqlx-cli --version "=$SQLX_CLI_VERSION" --locked --no-default-features \
            --features postgres --root "$PWD/target/tools/sqlx-cli"
    fi
    export PATH="$bin:$PATH"
}

# The server's SQL checked against the schema its migrations make: a fresh database
# migrated by sqlx-cli, then `cargo sqlx prepare --check`, which type-checks every
# `query!` against it and fails when crates/server/.sqlx (what offline builds check
# against) differs from what the schema gives. Needs start_postgres first.
check_server_sql() {
    local url="postgres://postgres@127.0.0.1:${WP_PG_PORT:-54329}/wp_sqlx_check"
    sqlx database drop -y --database-url "$url" >/dev/null
    sqlx database create --database-url "$url"
    sqlx migrate run --source crates/server/migrations --database-url "$url" >/dev/null
    (cd crates/server && DATABASE_URL="$url" cargo sqlx prepare --check -- --all-targets)
}

# A Secret Service for the keyring tests: gnome-keyring, and dbus-run-session for a private bus.
# The independent side of the series property test (crates/domain/tests/series_vs_dateutil.rs)
# and of the calendar files test (crates/calendar/tests/ics_vs_python.rs): a Python venv in
# target/pyref with python-dateutil, the PyPI tzdata of chrono-tz's IANA version (2025b is
# 2025.2; the tests fail if they differ), and the iCalendar reader icalendar with
# recurring-ical-events (icalendar 6.3.2: the 7.x releases require tzdata 2025.3 or later).
# The check below names every package and version, so a venv missing one is made again.
# Exports WP_PYREF.
PYREF_TZDATA=2025.2
PYREF_PACKAGES=(python-dateutil==2.9.0.post0 "tzdata==$PYREF_TZDATA" icalendar==6.3.2
    recurring-ical-events==3.8.2 x-wr-timezone==2.0.1 click==8.5.1)
ensure_pyref() {
    local py=target/pyref/bin/python
    if ! "$py" -c "import sys
from importlib.metadata import version
sys.exit(any(version(n) != v for n, v in (p.split('==') for p in sys.argv[1:])))" \
        "${PYREF_PACKAGES[@]}" 2>/dev/null; then
        step "a Python with python-dateutil, tzdata $PYREF_TZDATA, icalendar and recurring-ical-events (target/pyref)"
        ensure_apt python3 python3-venv
        rm -rf target/pyref
        /usr/bin/python3 -m venv target/pyref
        "$py" -m pip install -q "${PYREF_PACKAGES[@]}"
    fi
    export WP_PYREF="$PWD/$py"
}

ensure_keyring() {
    # secret-tool (libsecret-tools): the window tests read the keyring with it.
    ensure_apt gnome-keyring libsecret-tools
    if ! command -v dbus-run-session >/dev/null 2>&1; then
        ensure_apt dbus-daemon
    fi
}

# Wall-clock timing of a script's parts: timing_start NAME starts the clock, lap NAME records
# the time since the previous lap, timing_report prints them and the total since the start.
TIMING_LAPS=()
timing_start() {
    TIMING_NAME=$1
    TIMING_START=$(date +%s)
    TIMING_LAST=$TIMING_START
}
lap() {
    local now
    now=$(date +%s)
    TIMING_LAPS+=("$(printf '%-22s %4d s' "$1" $((now - TIMING_LAST)))")
    TIMING_LAST=$now
}
timing_report() {
    local lap
    for lap in "${TIMING_LAPS[@]}"; do echo "  $lap"; done
    printf '  %-22s %4d s (%s)\n' "total" $(($(date +%s) - TIMING_START)) "$TIMING_NAME"
}

# What a scripts/test.sh run ran, from the logs in DIR: the Rust tests passed (nextest's
# summaries), the fault simulation's size, the window specs; then the timings.
test_report() {
    local dir=$1 passed=0 n file
    for file in "$dir/rust.txt" "$dir/keyring.txt"; do
        n=$(sed -n 's/.*Summary \[.*\] *\([0-9]*\) tests\{0,1\} run: \([0-9]*\) passed.*/\2/p' "$file" | tail -1)
        passed=$((passed + ${n:-0}))
    done
    echo "Rust tests passed:      $passed (nextest; the keyring tests included)"
    echo "fault simulation:       $(grep -ho '[0-9]* steps over [0-9]* seeds in [0-9.]* s on [0-9]* threads.*' "$dir/rust.txt" | tail -1)"
    if [ -f "$dir/window.txt" ]; then
        echo "window spec files:      $(grep -o 'Spec Files:.*' "$dir/window.txt" | sed 's/Spec Files:[[:space:]]*//; s/[[:space:]]*$//' | paste -sd ';' - | sed 's/;/; /g')"
    fi
    echo "time:"
    timing_report
}
