#!/bin/sh
# export -> import round trip, idempotent by run uuid; a malformed import is
# rejected whole with the file and JSON path, and loses nothing stored.
. "$(dirname "$0")/../lib.sh"
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --db a.sqlite
expect_ok mcreport export --all --db a.sqlite
cp "$T/out" all.json
uuid=$(sqlite3 a.sqlite 'SELECT uuid FROM run')
expect_ok mcreport export --run "$uuid" --db a.sqlite
cp "$T/out" one.json
expect_grep "\"uuid\":[[:space:]]*\"$uuid\"" one.json
expect_ok mcbench import all.json --db b.sqlite
expect_grep '1 run(s) imported, 0 already present' "$T/out"
expect_ok mcbench import one.json --db b.sqlite
expect_grep '0 run(s) imported, 1 already present' "$T/out"
expect_ok mcreport export --all --db b.sqlite
cmp -s "$T/out" all.json || die "export of the imported db differs"
# Malformed: wrong type deep inside; the db keeps what it had.
sed 's/"median_ns":[[:space:]]*[0-9.e+-]*/"median_ns": "fast"/' all.json | sed "s/$uuid/11111111-2222-4333-8444-555555555555/" > bad.json
before=$(sqlite3 b.sqlite 'SELECT count(*) FROM result')
expect_fail 1 mcbench import bad.json --db b.sqlite
expect_grep 'bad.json' "$T/err"
expect_grep 'median_ns' "$T/err"
[ "$(wc -l < "$T/err")" = 1 ] || die "error is not one line"
[ "$(sqlite3 b.sqlite 'SELECT count(*) FROM result')" = "$before" ] || die "partial import"
[ "$(sqlite3 b.sqlite 'SELECT count(*) FROM run')" = 1 ] || die "run from bad import kept"
printf '{"format": "mcbench-run",\n  "run": [1, 2,\n' > broken.json
expect_fail 1 mcbench import broken.json --db b.sqlite
expect_grep 'broken.json:[0-9]*:[0-9]*' "$T/err"
echo ok
