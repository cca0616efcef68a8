# Shared by scripts/run, scripts/test and scripts/pg. Source it; do not run it.
# shellcheck shell=bash

SAKAID_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export SAKAID_ROOT

# Debian packages the build, the server and the tests need.
SAKAID_PACKAGES=(
    build-essential cmake pkg-config ca-certificates acl curl python3
    libssl-dev libpq-dev postgresql-15 postgresql-client-15
    libcivetweb-dev libjwt-dev libjansson-dev libcurl4-openssl-dev libqrencode-dev libcmocka-dev
    chromium nginx clang-format
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        die "need root to run: $*  (install sudo or run this as root)"
    fi
}

# Installs the Debian packages that are missing (and Node.js when there is no node).
sakaid_deps() {
    local missing=() p
    for p in "${SAKAID_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    command -v node >/dev/null || missing+=(nodejs npm)
    [ "${#missing[@]}" -eq 0 ] && return 0
    log "installing: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Configures (once) and builds DIR. Extra arguments go to cmake's configure step.
sakaid_build() {
    local dir=$1
    shift
    if [ ! -f "$dir/CMakeCache.txt" ]; then
        cmake -S "$SAKAID_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    fi
    cmake --build "$dir" -j"$(nproc)"
}

# Installs the test suite's npm packages when they are missing or stale.
sakaid_npm() {
    local t=$SAKAID_ROOT/tests
    [ -f "$t/package.json" ] || return 0
    if [ ! -d "$t/node_modules" ] || [ "$t/package-lock.json" -nt "$t/node_modules/.package-lock.json" ]; then
        log "npm ci (tests/)"
        (cd "$t" && npm ci --no-audit --no-fund --loglevel=error)
    fi
}
