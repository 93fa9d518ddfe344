#!/bin/sh
# mcreport renders a template against a fixture db byte for byte as the
# golden file says, the same with or without the render command, twice in a
# row; output errors and a missing db fail loudly.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip "no sqlite3 CLI to load fixtures"
F=$TOP/tests/fixtures/report
sh "$F/mkdb.sh" "$BIN" fixture.sqlite "$F/basic.sql" || die "cannot build the fixture db"
cp "$F/basic.md.in" basic.md.in
expect_ok mcreport --db fixture.sqlite --template basic.md.in --no-charts
cmp -s "$T/out" "$F/basic.md" || { diff -u "$F/basic.md" "$T/out" | head -n 40 >&2; die "render differs from basic.md"; }
[ -s "$T/err" ] && die "a successful render printed on stderr"
cp "$T/out" first.md
expect_ok mcreport render --template basic.md.in --no-charts --db fixture.sqlite
cmp -s "$T/out" first.md || die "mcreport render differs from mcreport"
MCBENCH_DB=fixture.sqlite mcreport --template basic.md.in --no-charts > env.md 2>"$T/err" || die "MCBENCH_DB"
cmp -s env.md first.md || die "MCBENCH_DB render differs"
# The engine's header: generated, by which command, from which runs.
expect_grep '^> \*\*Generated file: do not edit by hand.\*\*' first.md
expect_grep 'mcreport --db fixture.sqlite --template basic.md.in --charts reports' first.md
expect_grep '11111111-aaaa-4aaa-8aaa-000000000001' first.md
[ -d reports ] && die "--no-charts wrote charts"
# A full disk is an error, not a truncated report.
if [ -w /dev/full ]; then
    mcreport --db fixture.sqlite --template basic.md.in --no-charts > /dev/full 2>"$T/err" && die "wrote to /dev/full"
    expect_grep 'error writing standard output' "$T/err"
fi
expect_fail 1 mcreport --db nosuch.sqlite --template basic.md.in
expect_grep 'nosuch.sqlite' "$T/err"
expect_fail 1 mcreport --db fixture.sqlite --template nosuch.md.in
expect_grep 'cannot open template nosuch.md.in' "$T/err"
expect_fail 2 mcreport --db fixture.sqlite --bogus
expect_grep "unknown or incomplete option '--bogus'" "$T/err"
echo ok
