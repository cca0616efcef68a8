# Shared by scripts/run, scripts/test and scripts/pg. Source it; do not run it.
# shellcheck shell=bash

SAKAID_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export SAKAID_ROOT

# Debian packages the build, the server and the tests need.
SAKAID_PACKAGES=(
    build-essential cmake pkg-config ca-certificates acl curl python3
    libssl-dev libpq-dev postgresql-15 postgresql-client-15
    libcivetweb-dev libjwt-dev libjansson-dev libcurl4-openssl-dev libqrencode-dev libcmocka-dev libsystemd-dev
    chromium nginx clang-format debhelper lintian strace
    etcd-server patroni python3-etcd haproxy
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

# The Debian packages (and Node.js) that are missing, one per line.
sakaid_missing() {
    local p
    for p in "${SAKAID_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || echo "$p"
    done
    command -v node >/dev/null || printf '%s\n' nodejs npm
}

# Installs the Debian packages that are missing (and Node.js when there is no node). Two of our scripts at
# once (two ./scripts/run) take turns on a lock of our own, and the second finds the packages installed; the
# package manager's own locks (held by unattended-upgrades, say) are waited for too, not failed on.
sakaid_deps() {
    local missing=()
    mapfile -t missing < <(sakaid_missing)
    [ "${#missing[@]}" -eq 0 ] && return 0
    # /run/lock's file is shared by every user; one that another user made (mode 0644) falls back to our own
    local lock=/run/lock/sakaid-deps.lock
    if ! { [ -w "$lock" ] || { [ ! -e "$lock" ] && [ -d /run/lock ] && [ -w /run/lock ]; }; }; then
        lock=${TMPDIR:-/tmp}/sakaid-deps-$(id -u).lock
    fi
    exec 9>>"$lock"
    if ! flock -n 9; then
        log "another install of SakaI-D's packages is running: waiting for it"
        flock 9
    fi
    mapfile -t missing < <(sakaid_missing)
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing: ${missing[*]}"
        local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600) i
        for i in $(seq 1 30); do # apt-get update does not wait for the lists lock: try again
            as_root "${apt[@]}" update -q && break
            [ "$i" -lt 30 ] || die "apt-get update kept failing"
            log "apt-get update failed (the package lists locked?): trying again in 10 s"
            sleep 10
        done
        as_root "${apt[@]}" install -y -q --no-install-recommends "${missing[@]}"
    fi
    flock -u 9
    exec 9>&-
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
