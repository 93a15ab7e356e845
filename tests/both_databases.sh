#!/usr/bin/env bash
# The suite on SQLite and on PostgreSQL side by side: `make test` and `make test-all` run it with their
# pytest options. Each database's suite is split by module into VITRINE_TEST_SHARDS pytest processes
# (2 each by default: four processes keep two cores busy while one waits on a browser, a subprocess
# or the disk, and none is left running alone at the end). A test whose outcome cannot depend on the
# database (it uses none, or checks what a browser shows) runs in one process only (tests/conftest.py).
# Each process writes to its own log, printed whole once all have ended; then each one's summary
# line. Each also writes a JUnit XML report beside its log, with every test's duration
# (tests/durations.py sums them by module). All go to the end even when one fails; the exit status is 0
# only if every one passed (pytest's exit 5, no test ran, is a failure too). Ctrl-C stops them all cleanly.
# VITRINE_TEST_SHARED names a folder the processes share what they may build once (the SQLite demo).
set -uo pipefail
# Job control: each run in a process group of its own that handles SIGINT as pytest expects (a
# background job of a script ignores it otherwise); Ctrl-C reaches them through the trap below,
# so pytest still tears its fixtures down (the PostgreSQL server is stopped, not left running).
set -m

pytest="$1"
shift
# Compiled modules are kept (some machines set PYTHONDONTWRITEBYTECODE): without them every test
# process, and every app process a test starts, compiles the app again and pytest rewrites the
# asserts of every test module, about 9 s of CPU a process. One collection first writes them all,
# so the processes below (on a fresh clone too) find them made.
unset PYTHONDONTWRITEBYTECODE
"$pytest" --collect-only -q -p no:cacheprovider "$@" >/dev/null 2>&1 || true
logs="$(mktemp -d "${TMPDIR:-/tmp}/vitrine-test-XXXXXX")"
shards="${VITRINE_TEST_SHARDS:-2}"
runs=()
for database in sqlite postgresql; do
    for ((shard = 0; shard < shards; shard++)); do
        runs+=("$database-$shard")
    done
done
declare -A pid status

report() {
    for run in "${runs[@]}"; do
        echo "==================== $run: pytest log ($logs/$run.log) ===================="
        cat "$logs/$run.log"
    done
    echo "==================== summary ===================="
    for run in "${runs[@]}"; do
        printf '%-14s exit %s: %s\n' "$run" "${status[$run]:-?}" "$(tail -n 1 "$logs/$run.log")"
    done
}

interrupted() {
    for run in "${!pid[@]}"; do
        kill -INT "${pid[$run]}" 2>/dev/null
    done
    wait
    report
    exit 130
}

trap interrupted INT TERM HUP
for run in "${runs[@]}"; do
    # A cache folder each: the runs would otherwise overwrite each other's "last failed".
    VITRINE_TEST_DB="${run%-*}" VITRINE_TEST_SHARD="${run##*-}/$shards" VITRINE_TEST_SHARED="$logs" \
        "$pytest" -o cache_dir=".pytest_cache/$run" --junitxml="$logs/$run.xml" "$@" >"$logs/$run.log" 2>&1 &
    pid[$run]=$!
done
failed=0
for run in "${runs[@]}"; do
    wait "${pid[$run]}"
    status[$run]=$?
    [ "${status[$run]}" -eq 0 ] || failed=1
done
rm -rf "$logs/demo-sqlite"  # what the processes shared (tests/conftest.py), not a log
report
[ "$failed" -eq 0 ]
