#!/usr/bin/env bash
# The suite on SQLite and on PostgreSQL side by side, one pytest process each (a core each on a
# two-core machine): `make test` and `make test-all` run it with their pytest options.
# Each run writes to its own log, printed whole once both have ended, SQLite's first; then each
# run's summary line. Both runs go to the end even when one fails; the exit status is 0 only if
# both passed (pytest's exit 5, no test ran, is a failure too). Ctrl-C stops both cleanly.
set -uo pipefail
# Job control: each run in a process group of its own that handles SIGINT as pytest expects (a
# background job of a script ignores it otherwise); Ctrl-C reaches them through the trap below,
# so pytest still tears its fixtures down (the PostgreSQL server is stopped, not left running).
set -m

pytest="$1"
shift
logs="$(mktemp -d "${TMPDIR:-/tmp}/vitrine-test-XXXXXX")"
databases=(sqlite postgresql)
declare -A pid status

report() {
    for database in "${databases[@]}"; do
        echo "==================== $database: pytest log ($logs/$database.log) ===================="
        cat "$logs/$database.log"
    done
    echo "==================== summary ===================="
    for database in "${databases[@]}"; do
        printf '%-10s exit %s: %s\n' "$database" "${status[$database]:-?}" "$(tail -n 1 "$logs/$database.log")"
    done
}

interrupted() {
    for database in "${!pid[@]}"; do
        kill -INT "${pid[$database]}" 2>/dev/null
    done
    wait
    report
    exit 130
}

trap interrupted INT TERM HUP
for database in "${databases[@]}"; do
    # A cache folder each: the two runs would otherwise overwrite each other's "last failed".
    VITRINE_TEST_DB="$database" "$pytest" -o cache_dir=".pytest_cache/$database" "$@" \
        >"$logs/$database.log" 2>&1 &
    pid[$database]=$!
done
for database in "${databases[@]}"; do
    wait "${pid[$database]}"
    status[$database]=$?
done
report
[ "${status[sqlite]}" -eq 0 ] && [ "${status[postgresql]}" -eq 0 ]
