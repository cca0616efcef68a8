#!/usr/bin/env bash
# Every C file of the tree is as clang-format (Debian's clang-format 14, .clang-format at the root) lays it
# out (issue #16 §3). Format a change with `git clang-format` or `clang-format -i FILE`; a region laid out by
# hand (the SQL of idp/store/pg) is between /* clang-format off */ and /* clang-format on */.
# Usage: check_format.sh [SOURCE_ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
command -v clang-format >/dev/null || { echo "clang-format is not installed (scripts/lib/common.sh installs it)" >&2; exit 1; }
mapfile -t files < <(git ls-files 'idp/*.[ch]' 'tests/unit/*.[ch]' 'tests/fuzz/*.[ch]' 'bench/*.[ch]' 2>/dev/null ||
    find idp tests/unit tests/fuzz bench -name '*.[ch]')
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/check_format.$$; then
    grep -E '^[^ ].*(warning|error):' /tmp/check_format.$$ | cut -d: -f1 | sort -u | sed 's/^/not formatted: /' >&2
    rm -f /tmp/check_format.$$
    exit 1
fi
rm -f /tmp/check_format.$$
echo "format check passed: ${#files[@]} files"
