#!/usr/bin/env bash
# The alert rules and the dashboard (docs/monitoring/, docs/deployment.md "Alerts"): promtool checks the
# rules and runs their unit tests; every dashboard query parses (each is checked as a recording rule); and
# every sakaid_* metric that the rules or the dashboard read is one that sakaid exports (its name is in idp/).
# Usage: check_monitoring.sh [SOURCE_ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
dir=$root/docs/monitoring
command -v promtool >/dev/null || { echo "promtool is missing: ./scripts/test installs Debian's prometheus" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
promtool check rules "$dir/sakaid-alerts.yml"
(cd "$dir" && promtool test rules sakaid-alerts.test.yml)
python3 - "$dir/sakaid-dashboard.json" "$tmp/dashboard-rules.yml" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exprs = [t["expr"].replace("$instance", ".*") for p in d["panels"] for t in p["targets"]]
with open(sys.argv[2], "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(exprs):
        f.write(f"      - record: dashboard:query_{i}\n        expr: {json.dumps(e)}\n")
PY
promtool check rules "$tmp/dashboard-rules.yml" >/dev/null
fail=0
for m in $(grep -ohE 'sakaid_[a-z_]+' "$dir/sakaid-alerts.yml" "$dir/sakaid-dashboard.json" | sort -u); do
    base=$(sed -E 's/_(bucket|sum|count)$//' <<<"$m")
    grep -rqF "$base" "$root/idp" || { echo "not exported by sakaid: $m" >&2; fail=1; }
done
exit "$fail"
