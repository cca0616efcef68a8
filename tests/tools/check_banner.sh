#!/usr/bin/env bash
# The dev runner's banner (scripts/lib/banner.sh) names the demo client's file
# and never prints its secret (issue #14 item 14).
# Usage: check_banner.sh [SOURCE_ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=scripts/lib/banner.sh
source "$root/scripts/lib/banner.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
secret=s3cr3t-$RANDOM-$RANDOM-never-printed
printf '{"client_id":"demo-id","client_secret":"%s"}\n' "$secret" >"$tmp/demo-client.json"
out=$(sakaid_banner http://127.0.0.1:8080 "$tmp/demo-client.json" http://127.0.0.1:3000/ "$tmp" off embedded)
fail=0
if grep -qF "$secret" <<<"$out"; then
    echo "the banner prints the demo client's secret" >&2
    fail=1
fi
grep -qF "$tmp/demo-client.json" <<<"$out" || { echo "the banner does not name the demo client's file" >&2; fail=1; }
grep -qF "demo-id" <<<"$out" || { echo "the banner does not show the client_id" >&2; fail=1; }
# issue #20: how to manage the running server, as a command that works as written
grep -qF "SAKAID_DATA_DIR=$tmp $root/build/bin/sakaid-admin client list" <<<"$out" ||
    { echo "the banner does not show the sakaid-admin command" >&2; fail=1; }
exit "$fail"
