#!/bin/sh
# mcreport export prints JSON of every complete run, or of one run by id,
# uuid, uuid prefix or commit (store_run_resolve); an unknown run fails with
# 1, a bad option with 2.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip "no sqlite3 CLI to load fixtures"
F=$TOP/tests/fixtures/report
sh "$F/mkdb.sh" "$BIN" fixture.sqlite "$F/basic.sql" || die "cannot build the fixture db"
expect_ok mcreport export --db fixture.sqlite
expect_grep '"mcbench-export"' "$T/out"
expect_grep '11111111-aaaa-4aaa-8aaa-000000000001' "$T/out"
grep -q '33333333-cccc' "$T/out" && die "an aborted run was exported without --incomplete"
expect_ok mcreport export --run 22222222-bbbb-4bbb-8bbb-000000000002 --db fixture.sqlite
expect_grep '"22222222-bbbb-4bbb-8bbb-000000000002"' "$T/out"
expect_ok mcreport export --run 2222 --db fixture.sqlite
expect_grep '"uuid":	"22222222-bbbb-4bbb-8bbb-000000000002"' "$T/out"
expect_ok mcreport export --run fedcba98 --db fixture.sqlite
expect_grep '"uuid":	"22222222-bbbb-4bbb-8bbb-000000000002"' "$T/out"
expect_ok mcreport export --run 2 --db fixture.sqlite
expect_grep '"uuid":	"22222222-bbbb-4bbb-8bbb-000000000002"' "$T/out"
# A run named by reference is exported whatever its status.
expect_ok mcreport export --run 33333333 --db fixture.sqlite
expect_grep '"status":	"aborted"' "$T/out"
expect_fail 1 mcreport export --run 99999999-0000-4000-8000-000000000000 --db fixture.sqlite
expect_grep "^mcreport export: fixture.sqlite: no run '99999999-0000-4000-8000-000000000000' in the db" "$T/err"
[ "$(wc -l < "$T/err")" = 1 ] || die "error is not one line: $(cat "$T/err")"
expect_fail 2 mcreport export --frobnicate --db fixture.sqlite
echo ok
