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

# What the desktop app needs to build, test and run on Debian/Ubuntu.
ensure_app_deps() {
    ensure_apt build-essential pkg-config libwebkit2gtk-4.1-dev libssl-dev libayatana-appindicator3-dev \
        librsvg2-dev xvfb xauth webkit2gtk-driver
    command -v npm >/dev/null 2>&1 || ensure_apt nodejs npm
    if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
        step "installing the UI's npm packages"
        # npm ci refuses this lock file (npm 11 leaves the other platforms' optional packages of
        # @tauri-apps/cli out of it), so install from it with npm install.
        npm --prefix ui install --no-audit --no-fund
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
