#!/bin/sh
# Every command of both programs answers --help; unknown commands fail with 2.
. "$(dirname "$0")/../lib.sh"
expect_ok mcbench --help
expect_grep 'run ' "$T/out"
expect_grep 'import' "$T/out"
for c in run list import; do
    expect_ok mcbench $c --help
    expect_grep "usage: mcbench $c" "$T/out"
    expect_grep '[-][-]db' "$T/out"
done
expect_fail 2 mcbench frobnicate
expect_grep "unknown command 'frobnicate'" "$T/err"
expect_fail 2 mcbench run --bogus
expect_grep "unknown or incomplete option '--bogus'" "$T/err"
expect_ok mcreport --help
for c in check export; do
    expect_ok mcreport $c --help
    expect_grep '[-][-]db' "$T/out"
done
echo ok
