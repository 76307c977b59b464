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
