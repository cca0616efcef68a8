#!/usr/bin/env bash
# Source rules that the compiler does not enforce (style.md):
#  - no unbounded or non-reentrant C library calls;
#  - the protocol core stays free of HTTP and SQL: civetweb only in idp/http,
#    libpq only in idp/store/pg;
#  - outbound HTTP only through idp/net (libcurl transfers nowhere else);
#  - the protocol core holds no HTML, and resident-facing Japanese text lives
#    only in the message catalogue, idp/ui/messages.c (issue #16 §5).
# Usage: check_sources.sh [SOURCE_ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
fail=0

report() { # message, grep output
    if [ -n "$2" ]; then
        printf '%s\n%s\n' "$1" "$2" >&2
        fail=1
    fi
}

banned='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll|rand|srand|gmtime|localtime|strtok|asctime|ctime)[[:space:]]*\('
report "banned calls (use snprintf, strtol via idp_str_to_long, RAND_bytes, *_r variants):" \
    "$(grep -rnE "$banned" --include='*.c' --include='*.h' idp | grep -vE '^\S+:[0-9]+:\s*(/\*|\*|//)' || true)"

report "civetweb outside idp/http:" \
    "$(grep -rn '#include <civetweb.h>' idp | grep -v '^idp/http/' || true)"
report "libpq outside idp/store/pg:" \
    "$(grep -rn '#include <libpq-fe.h>' idp | grep -v '^idp/store/pg/' || true)"
report "a libcurl transfer outside idp/net (outbound HTTP goes through net/http_client.h; cardsim is a test tool):" \
    "$(grep -rnE 'curl_easy_(perform|init)[[:space:]]*\(' --include='*.c' idp | grep -vE '^idp/(net|cardsim)/' || true)"
report "the protocol core includes the HTTP or storage implementation:" \
    "$(grep -rnE '#include "(http|store/pg)/' idp/core idp/config idp/jose idp/oauth || true)"
report "HTML in the protocol core (pages are idp/ui's, rendered from view structs):" \
    "$(grep -rnE '"<(/?[a-z][a-z0-9]*[ >/]|!doctype)' --include='*.c' --include='*.h' idp/oauth |
        grep -vE '^\S+:[0-9]+:\s*(/\*|\*|//)' || true)"
# A string literal with kana or kanji outside the catalogue; data that is not text (an address prefix the
# card's attributes are parsed with) carries the marker "not text:" in a comment on its line.
report "resident-facing text outside the message catalogue (idp/ui/messages.c):" \
    "$(LC_ALL=C.UTF-8 grep -rnP '"[^"]*[\x{3040}-\x{30ff}\x{4e00}-\x{9fff}]' --include='*.c' --include='*.h' idp |
        grep -v '^idp/ui/messages\.c:' | grep -v 'not text:' || true)"

if [ "$fail" -ne 0 ]; then
    exit 1
fi
echo "source checks passed"
