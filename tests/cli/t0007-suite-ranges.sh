#!/bin/sh
# Every number a suite file sets has a range: one out of it is refused at
# load with one line naming the file and the JSON path, before a run starts
# (2147483648 samples used to abort in calloc, 4294967296 ran 0 samples,
# a quick_target_ms of 1e300 never finished calibrating).
. "$(dirname "$0")/../lib.sh"
case_() {  # case_ NAME DEFAULTS-JSON GRID-JSON JPATH
    printf '{ "name": "r", "defaults": { %s },\n  "benchmarks": [ { "kernel": "softmax", "grid": %s } ] }\n' \
        "$2" "$3" > "$1.json"
    expect_fail 1 mcbench run --quick --suite "./$1.json" --backend ref --db r.sqlite
    expect_grep "$1.json" "$T/err"; expect_grep "$4" "$T/err"
    [ "$(wc -l < "$T/err")" = 1 ] || { cat "$T/err"; die "$1: error is not one line"; }
}
g='{ "rows": [8], "cols": [16] }'
case_ qs31 '"quick_samples": 2147483648' "$g" 'defaults.quick_samples'
case_ qs32 '"quick_samples": 4294967296' "$g" 'defaults.quick_samples'
case_ s '"samples": 1e9' "$g" 'defaults.samples'
case_ qt '"quick_target_ms": 1e300' "$g" 'defaults.quick_target_ms'
case_ t '"target_ms": 1e12' "$g" 'defaults.target_ms'
case_ ms '"max_seconds": 1e300' "$g" 'defaults.max_seconds'
case_ rt '"rtol": 1e308' "$g" 'defaults.rtol'
case_ at '"atol": 5' "$g" 'defaults.atol'
case_ seed '"seed": 1e300' "$g" 'defaults.seed'
case_ neg '"seed": -1' "$g" 'defaults.seed'
case_ grid '"samples": 3' '{ "rows": [4294967296], "cols": [16] }' 'grid.rows\[0\]'
[ ! -f r.sqlite ] || [ "$(sqlite3 r.sqlite 'SELECT count(*) FROM run')" = 0 ] || die "a run was recorded"
# in range still runs
printf '{ "name": "r", "defaults": { "quick_samples": 2, "quick_target_ms": 0.01, "max_seconds": 5, "rtol": 0.01 },\n  "benchmarks": [ { "kernel": "softmax", "grid": %s } ] }\n' "$g" > ok.json
expect_ok mcbench run --quick --suite ./ok.json --backend ref --db r.sqlite
[ "$(sqlite3 r.sqlite "SELECT count(*) FROM run WHERE status = 'complete'")" = 1 ] || die "in-range suite did not run"
echo ok
