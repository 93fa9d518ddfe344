#!/bin/sh
# Runs every test: the cmocka unit binaries of a build tree, then the CLI
# scripts tests/cli/t*.sh against that tree's binaries. Prints one line per
# test and a closing "N passed, N failed, N skipped" line; exits 1 on failure.
#   sh tests/run.sh BUILD_DIR     (e.g. build/san)
# VALGRIND=1 (make test VALGRIND=1, on the release build, which sanitizers
# do not instrument) runs the unit binaries under valgrind's memcheck, for
# what the sanitizers cannot see through (the OpenCL driver, the peer
# processes); the CLI tests, timed and many times slower there, are then
# skipped and counted. A unit test that skips itself (cmocka's skip(), after
# printing "skip: why") is counted as skipped too.
set -u
build=${1:-build/san}
top=$(pwd)
pass=0; fail=0; skip=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export MCBENCH_BIN="$top/$build/bin"
export MCBENCH_SUITES="$top/suites"
logdir=$(mktemp -d)
wrap=""
if [ "${VALGRIND:-0}" = 1 ]; then
    command -v valgrind >/dev/null || { echo "VALGRIND=1: valgrind is not installed"; exit 1; }
    wrap="valgrind -q --num-callers=40 --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --suppressions=$top/tests/valgrind.supp"
fi
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    n=$(basename "$t")
    if $wrap "$t" >"$logdir/$n.log" 2>&1; then
        echo "ok   unit/$n"; pass=$((pass + 1))
        # tests of it that skipped themselves (cmocka's skip(), after a
        # "skip: why" line) are counted as skipped, with the first reason
        k=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:$/\1/p' "$logdir/$n.log")
        if [ -n "$k" ] && [ "$k" -gt 0 ]; then
            echo "skip unit/$n: $k test(s): $(grep -m 1 '^skip' "$logdir/$n.log")"
            skip=$((skip + k))
        fi
    else
        echo "FAIL unit/$n"; sed 's/^/    /' "$logdir/$n.log" | tail -n 40; fail=$((fail + 1))
    fi
done
for t in tests/cli/t*.sh; do
    [ -f "$t" ] || continue
    if [ -n "$wrap" ]; then
        echo "skip cli/$(basename "$t" .sh): not run under valgrind"; skip=$((skip + 1)); continue
    fi
    n=$(basename "$t" .sh)
    sh "$t" >"$logdir/$n.log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "ok   cli/$n"; pass=$((pass + 1))
    elif [ $rc -eq 77 ]; then
        echo "skip cli/$n: $(tail -n 1 "$logdir/$n.log")"; skip=$((skip + 1))
    else
        echo "FAIL cli/$n"; sed 's/^/    /' "$logdir/$n.log" | tail -n 40; fail=$((fail + 1))
    fi
done
rm -rf "$logdir"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
