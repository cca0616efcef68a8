#!/usr/bin/env bash
# The storage contract (test_store_contract.c) against store/pg, on a fresh
# database next to the one scripts/test started (SAKAID_TEST_DATABASE_URL),
# dropped afterwards. Without a database it is skipped (exit 77).
set -euo pipefail
bin=$1
if [ -z "${SAKAID_TEST_DATABASE_URL:-}" ]; then
    echo "SAKAID_TEST_DATABASE_URL is not set (run ./scripts/test): skipped"
    exit 77
fi
name=t_contract_$$_$RANDOM
admin=$SAKAID_TEST_DATABASE_URL
psql "$admin" -qc "CREATE DATABASE $name" >/dev/null
trap 'psql "$admin" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null' EXIT
"$bin" pg "${admin%/*}/$name"
