# The embedded PostgreSQL's helpers, shared by scripts/pg, scripts/backup and scripts/restore.
# Source it after scripts/lib/common.sh; do not run it.
# shellcheck shell=bash

PGBIN=${SAKAID_PGBIN:-/usr/lib/postgresql/15/bin}

# Runs a PostgreSQL server program as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# As root, the postgres user must be able to reach DIR: grant it traverse
# (x) on the ancestors that lack it, with an ACL entry rather than a mode change.
grant_traverse() {
    local dir=$1 d
    [ "$(id -u)" -eq 0 ] || return 0
    runuser -u postgres -- test -x "$dir" 2>/dev/null && return 0
    d=$dir
    while [ "$d" != "/" ]; do
        d=$(dirname "$d")
        if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
            command -v setfacl >/dev/null || die "postgres cannot reach $dir; install the acl package or move SAKAID_DATA_DIR"
            setfacl -m u:postgres:x "$d"
            log "granted the postgres user traverse access to $d (ACL)"
        fi
    done
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
