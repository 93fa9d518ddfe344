#!/bin/sh
# A benchmark that does not fit in memory fails as one result, with the
# reason, and the run goes on and completes (one used to fail the whole
# run). Memory runs out here by ASan's allocation limit, so this needs the
# sanitizer build (a shape over a kernel's own buffer limit is refused when
# the suite loads, t0007).
. "$(dirname "$0")/../lib.sh"
printf '{ "name": "big", "defaults": { "quick_samples": 2, "quick_target_ms": 0.01 },\n  "benchmarks": [\n    { "kernel": "softmax", "grid": { "rows": [8, 8192], "cols": [256, 4096] } } ] }\n' > big.json
check() {  # check DB: rows=8192,cols=4096 failed with why; every other ok; complete
    [ "$(sqlite3 "$1" 'SELECT status FROM run')" = complete ] || die "$1: run not complete"
    [ "$(sqlite3 "$1" "SELECT count(*) FROM result WHERE status = 'ok'")" = 3 ] || die "$1: small results lost"
    [ "$(sqlite3 "$1" "SELECT status FROM result WHERE benchmark = 'softmax/rows=8192,cols=4096'")" = failed ] || die "$1: big result not failed"
    sqlite3 "$1" "SELECT message FROM result WHERE status = 'failed'" | grep -q "$2" || {
        sqlite3 "$1" "SELECT message FROM result"; die "$1: no '$2' in the message"; }
}
if grep -q __asan_init "$BIN/mcbench" 2>/dev/null; then
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:allocator_may_return_null=1:max_allocation_size_mb=64" \
        expect_ok mcbench run --quick --suite ./big.json --backend ref --db m.sqlite
    check m.sqlite 'out of memory'
    [ "$(sqlite3 m.sqlite 'PRAGMA integrity_check')" = ok ] || die "integrity"
else
    echo "release build: the out-of-memory half needs ASan's allocation limit"
fi
echo ok
