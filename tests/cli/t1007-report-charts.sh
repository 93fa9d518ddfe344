#!/bin/sh
# Charts: one gnuplot process per render whatever the number of charts,
# SVG files byte-identical across renders, linked by relative path.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip "no sqlite3 CLI to load fixtures"
command -v gnuplot >/dev/null 2>&1 || skip "no gnuplot"
F=$TOP/tests/fixtures/report
sh "$F/mkdb.sh" "$BIN" fixture.sqlite "$F/basic.sql" || die "cannot build the fixture db"
cat > c.md.in <<'EOT'
{{chart bars suite=layer_ops}}
{{chart bars suite=matmul metric=gflops}}
{{chart scaling suite=layer_ops x=rows bench="softmax/*"}}
{{chart history suite=layer_ops bench="softmax/rows=64,cols=1024" cols=cpu name=cpu-history}}
EOT
printf '#!/bin/sh\necho started >> "%s/gnuplot.log"\nexec gnuplot "$@"\n' "$T" > gp.sh
chmod +x gp.sh
MCREPORT_GNUPLOT="$T/gp.sh" mcreport --db fixture.sqlite --template c.md.in --charts svg/a > a.md 2>"$T/err" || { cat "$T/err"; die "render failed"; }
[ "$(wc -l < gnuplot.log)" = 1 ] || die "gnuplot started $(wc -l < gnuplot.log) times for 4 charts"
expect_grep '](svg/a/bars-layer_ops.svg)' a.md
expect_grep '](svg/a/cpu-history.svg)' a.md
mcreport --db fixture.sqlite --template c.md.in --charts svg/b > b.md || die "second render failed"
for f in bars-layer_ops.svg bars-matmul-gflops.svg scaling-layer_ops-rows.svg cpu-history.svg; do
    [ -s "svg/a/$f" ] || die "no chart $f"
    cmp -s "svg/a/$f" "svg/b/$f" || die "chart $f differs between two renders"
done
grep -l "$(date +%Y-%m-%d)" svg/a/*.svg && die "a chart carries today's date"
# A gnuplot that fails is an error naming it.
MCREPORT_GNUPLOT=false expect_fail 1 mcreport --db fixture.sqlite --template c.md.in --charts svg/c
expect_grep 'gnuplot failed' "$T/err"
echo ok
