#!/usr/bin/env bash
# sakaid-admin does not link the protocol core (issue #16 §5): it takes the
# key life cycle from idp_keys and client metadata from idp_client. Fails if
# idp_oauth is on its link line, or if the binary defines any global symbol
# that libidp_oauth.a defines.
# Usage: check_admin_links.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: check_admin_links.sh BUILD_DIR}
link=$build/idp/CMakeFiles/sakaid-admin.dir/link.txt
admin=$build/bin/sakaid-admin
core=$build/idp/libidp_oauth.a
fail=0
if grep -qw 'libidp_oauth\.a' "$link"; then
    echo "sakaid-admin links idp_oauth: $link" >&2
    fail=1
fi
# Every global text or data symbol the protocol core defines; none may be in sakaid-admin.
ours=$(nm -P --defined-only -g "$core" 2>/dev/null | awk 'NF >= 2 && $2 ~ /^[TDBR]$/ {print $1}' | sort -u)
theirs=$(nm -P --defined-only "$admin" | awk '{print $1}' | sort -u)
both=$(comm -12 <(echo "$ours") <(echo "$theirs"))
if [ -n "$both" ]; then
    echo "sakaid-admin holds symbols of the protocol core:" >&2
    echo "$both" | head -20 >&2
    fail=1
fi
[ -n "$ours" ] || { echo "no symbols read from $core" >&2; fail=1; }
exit $fail
