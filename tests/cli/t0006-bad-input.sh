#!/bin/sh
# Bad input gets a one-line error naming the file or object, a non-zero exit,
# and loses no data already stored.
. "$(dirname "$0")/../lib.sh"
one_line() { [ "$(wc -l < "$T/err")" = 1 ] || { cat "$T/err"; die "error is not one line"; }; }
# malformed suite
printf '{\n  "name": "x",\n  "benchmarks": [ { "kernel": "softmax", \n' > bad.json
expect_fail 1 mcbench run --suite ./bad.json --db x.sqlite
expect_grep 'bad.json:[0-9]*:[0-9]*' "$T/err"; one_line
# unknown kernel
printf '{ "name": "x", "benchmarks": [ { "kernel": "sofmax", "grid": {"rows": [1], "cols": [4]} } ] }\n' > unk.json
expect_fail 1 mcbench run --suite ./unk.json --db x.sqlite
expect_grep 'unk.json' "$T/err"; expect_grep 'sofmax' "$T/err"; one_line
[ ! -f x.sqlite ] || [ "$(sqlite3 x.sqlite 'SELECT count(*) FROM run')" = 0 ] || die "run recorded for a bad suite"
# unknown suite name
expect_fail 1 mcbench run --suite no_such_suite --db x.sqlite
expect_grep 'no_such_suite' "$T/err"; one_line
# list finds suites as run does: an unknown one fails, a path lists
expect_fail 1 mcbench list --suite no_such_suite
expect_grep 'no_such_suite' "$T/err"; one_line
expect_ok mcbench list --suite "$TOP/tests/fixtures/cli/tiny.json"
expect_grep 'benchmark(s)' "$T/out"
# corrupt db: refused, and left byte for byte as it was
head -c 8192 /dev/urandom > corrupt.sqlite
cp corrupt.sqlite corrupt.orig
expect_fail 1 mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --db corrupt.sqlite
expect_grep 'corrupt.sqlite' "$T/err"; one_line
cmp -s corrupt.sqlite corrupt.orig || die "corrupt db was modified"
# missing OpenCL device: asking only for opencl with no ICD is a clear error
mkdir empty-icd
OCL_ICD_VENDORS="$T/empty-icd" expect_fail 1 mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend opencl --db y.sqlite
expect_grep 'no backend to run' "$T/err"; expect_grep 'opencl' "$T/err"; one_line
# locked db: a writer holding an exclusive lock makes the run fail cleanly
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --db l.sqlite
( printf 'BEGIN EXCLUSIVE;\nSELECT 1;\n'; sleep 4; printf 'COMMIT;\n' ) | sqlite3 l.sqlite >/dev/null &
lock=$!
sleep 0.5
MCBENCH_BUSY_MS=500 expect_fail 1 mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --db l.sqlite
expect_grep 'l.sqlite' "$T/err"; expect_grep 'locked' "$T/err"; one_line
wait $lock
[ "$(sqlite3 l.sqlite "SELECT count(*) FROM run WHERE status = 'complete'")" = 1 ] || die "stored run lost"
echo ok
