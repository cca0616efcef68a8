#!/usr/bin/env bash
# glewlwyd (Debian package, 2.7.x) as a peer OpenID provider for bench/run.
#   bench/peers/glewlwyd.sh PORT POSTGRES_URL WORKDIR
# Installs glewlwyd when it is missing, creates its schema in the given (empty)
# PostgreSQL database, then configures it through its admin REST API on a
# throwaway instance on a spare port: user alice/password (database backend),
# an OIDC plugin instance `oidc` (RS256, code + PKCE, client_credentials,
# refresh tokens) and the confidential client bench/bench-secret-0123456789.
# Finally it execs glewlwyd on 127.0.0.1:PORT in the foreground, quiet, so that
# the caller's $! is glewlwyd itself and kill -TERM stops it.
# Endpoints: http://127.0.0.1:PORT/api/oidc/{.well-known/openid-configuration,jwks,auth,token}
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../../scripts/lib/common.sh"

[ $# -eq 3 ] || { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
port=$1 db=$2 work=$3
admin=(admin password)      # the administrator the init script creates
secret=bench-secret-0123456789

command -v glewlwyd >/dev/null ||
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends glewlwyd >/dev/null
mkdir -p "$work"
work=$(cd "$work" && pwd)

# RSA-2048 signing key (PEM private key and public key)
if [ ! -f "$work/key.pem" ]; then
    (umask 077 && openssl genrsa -out "$work/key.pem" 2048 2>/dev/null)
    openssl rsa -in "$work/key.pem" -pubout -out "$work/cert.pem" 2>/dev/null
fi

# Schema and defaults (admin/password, the openid scope, database user and client
# backends) from the package's PostgreSQL script, unless already there.
if [ -z "$(psql "$db" -tAc "SELECT to_regclass('g_user')")" ]; then
    sql=/usr/share/dbconfig-common/data/glewlwyd/install
    {
        echo 'CREATE EXTENSION IF NOT EXISTS pgcrypto;' # crypt() and gen_salt() for the admin password
        if [ -f "$sql/pgsql" ]; then cat "$sql/pgsql" "$sql/postgre.default.sql"
        else zcat /usr/share/doc/glewlwyd/database/init.postgre.sql.gz; fi
    } | psql "$db" -q -v ON_ERROR_STOP=1 >/dev/null
fi

# config NAME PORT: a config file for an instance on PORT (it holds the database password)
config() {
    (umask 077 && cat >"$work/$1.conf") <<EOF
port=$2
bind_address="127.0.0.1"
external_url="http://127.0.0.1:$port"
login_url="login.html"
api_prefix="api"
allow_origin="*"
log_mode="console"
log_level="NONE"
cookie_secure=0
cookie_same_site="empty"
session_expiration=2419200
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
plugin_api_run_enabled=""
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
hash_algorithm="SHA512"
database = { type = "postgre"; conninfo = "$db"; };
EOF
}

# One-off configuration through the admin API, on a throwaway instance on a spare port
# (so that nobody polling PORT sees a half-configured server).
if [ -z "$(psql "$db" -tAc "SELECT 1 FROM g_plugin_module_instance WHERE gpmi_name = 'oidc'")" ]; then
    setup_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    config setup "$setup_port"
    glewlwyd -c "$work/setup.conf" >/dev/null 2>&1 &
    setup_pid=$!
    trap 'kill -TERM "$setup_pid" 2>/dev/null || true' EXIT
    trap 'exit 143' INT TERM
    api=http://127.0.0.1:$setup_port/api
    for i in $(seq 1 200); do
        curl -fsS -o /dev/null "http://127.0.0.1:$setup_port/config" 2>/dev/null && break
        if [ "$i" -eq 200 ] || ! kill -0 "$setup_pid" 2>/dev/null; then
            die "glewlwyd did not start (try: glewlwyd -c $work/setup.conf -l DEBUG)"
        fi
        sleep 0.05
    done
    jar=$work/admin.cookies
    # call METHOD PATH JSON: an admin API call, fails loudly on a non-2xx answer
    call() {
        local out
        out=$(curl -sS -b "$jar" -c "$jar" -X "$1" -H 'Content-Type: application/json' --data-binary "$3" \
            -w '\n%{http_code}' "$api$2")
        [[ ${out##*$'\n'} == 2* ]] || die "glewlwyd setup: $1 $2 -> ${out//$'\n'/ }"
    }
    call POST /auth/ "{\"username\":\"${admin[0]}\",\"password\":\"${admin[1]}\"}"
    # openid: password login only, no further scheme, no re-prompt within the session
    call PUT /scope/openid '{"name":"openid","display_name":"Open ID","description":"Open ID Connect scope",
        "password_required":true,"password_max_age":0,"scheme":{}}'
    call POST /user/ '{"username":"alice","name":"Alice","email":"alice@example.org","password":"password",
        "scope":["openid","g_profile"],"enabled":true}'
    call POST /client/ "{\"client_id\":\"bench\",\"name\":\"bench\",\"enabled\":true,\"confidential\":true,
        \"client_secret\":\"$secret\",\"token_endpoint_auth_method\":[\"client_secret_basic\"],
        \"redirect_uri\":[\"https://rp.example/cb\"],\"scope\":[\"openid\"],
        \"authorization_type\":[\"code\",\"client_credentials\",\"refresh_token\"]}"
    call POST /mod/plugin/ "$(python3 - "$port" "$work/key.pem" "$work/cert.pem" <<'PY'
import json, sys
port, key, cert = sys.argv[1:]
print(json.dumps({"module": "oidc", "name": "oidc", "display_name": "OpenID Connect", "enabled": True, "parameters": {
    "iss": f"http://127.0.0.1:{port}/api/oidc",
    "jwt-type": "rsa", "jwt-key-size": "256",  # RS256
    "key": open(key).read(), "cert": open(cert).read(), "jwks-show": True,
    "access-token-duration": 3600, "refresh-token-duration": 1209600, "code-duration": 600,
    "refresh-token-rolling": True, "refresh-token-one-use": "always",
    "allow-non-oidc": True,  # client_credentials is OAuth2, not OIDC
    "auth-type-code-enabled": True, "auth-type-token-enabled": False, "auth-type-id-token-enabled": True,
    "auth-type-none-enabled": False, "auth-type-password-enabled": False, "auth-type-client-enabled": True,
    "auth-type-device-enabled": False, "auth-type-refresh-enabled": True,
    "pkce-allowed": True, "pkce-method-plain-allowed": False,
    "subject-type": "public", "scope": [], "additional-parameters": [], "claims": [],
    "name-claim": "no", "email-claim": "no", "scope-claim": "no", "address-claim": {"type": "no"},
    "allowed-scope": ["openid"],
}}))
PY
)"
    kill -TERM "$setup_pid"
    wait "$setup_pid" 2>/dev/null || true
    trap - EXIT INT TERM
    rm -f "$jar" "$work/setup.conf"
fi

config glewlwyd "$port"
exec glewlwyd -c "$work/glewlwyd.conf" >/dev/null 2>&1
