#!/bin/sh
# Text from data (benchmark, device, host names, messages, provenance) can
# break neither a table nor the page: the render of a hostile fixture
# matches its golden file, has no raw HTML or link, and every table row has
# as many cells as its header.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip "no sqlite3 CLI to load fixtures"
F=$TOP/tests/fixtures/report
sh "$F/mkdb.sh" "$BIN" evil.sqlite "$F/evil.sql" || die "cannot build the fixture db"
cp "$F/evil.md.in" evil.md.in
expect_ok mcreport --db evil.sqlite --template evil.md.in --no-charts
cmp -s "$T/out" "$F/evil.md" || { diff -u "$F/evil.md" "$T/out" | head -n 40 >&2; die "render differs from evil.md"; }
grep -n '<script\|<b>\|<img\|http://' "$T/out" && die "raw HTML or link in the render"
grep -n '[^\\]](' "$T/out" && die "an unescaped link"
# Cells per table row (pipes not escaped), against the row above.
sed 's/\\|//g' "$T/out" | awk '
    /^\|/ { n = gsub(/\|/, "|"); if (prev && n != prev) { print NR ": " n " cells, not " prev; bad = 1 } prev = n; next }
    { prev = 0 }
    END { exit bad }' || die "a table row has the wrong number of cells"
echo ok
