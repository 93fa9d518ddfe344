#!/bin/sh
# With no --template, mcreport renders its built-in template: a quick run on
# this machine, whatever it is, renders with every suite and backend it
# holds, and the document names no machine (no fingerprint, no hostname
# column) and makes no claim.
. "$(dirname "$0")/../lib.sh"
expect_ok mcbench run --quick --rounds 1 --suite "$TOP/tests/fixtures/cli/tiny.json" \
    --suite adamw_step --backend ref --backend cpu --db r.sqlite
expect_ok mcreport --db r.sqlite --no-charts
cp "$T/out" doc.md
expect_grep 'from the built-in template `default.md.in` and the db `r.sqlite`' doc.md
expect_grep '^## .*, [0-9]* cores\{0,1\}' doc.md
for s in tiny 'adamw\\_step'; do expect_grep "^### $s\$" doc.md; done
[ "$(grep -c '^| Benchmark | ref | cpu | ref / fastest (time) | cpu / fastest (time) |$' doc.md)" = 2 ] ||
    die "no table of ref and cpu against the fastest for each of the two suites"
expect_grep '^| Benchmark | ref throughput (% of peak) | cpu throughput (% of peak) |$' doc.md
expect_grep '^!\[bars chart: median time of tiny\](reports/bars-tiny.svg)$' doc.md
expect_grep '^## Results that are not numbers$' doc.md
expect_grep '^### Devices and peers$' doc.md
expect_grep '^| machine 1 | ' doc.md
grep -q '✅' doc.md && die "the default template makes a claim"
fp=$(sqlite3 r.sqlite "SELECT fingerprint FROM machine")
[ -n "$fp" ] || die "no machine recorded"
grep -q "$(echo "$fp" | cut -c1-8)" doc.md && die "the document names the machine's fingerprint $fp"
host=$(sqlite3 r.sqlite "SELECT hostname FROM machine")
grep -q "| $host |" doc.md && die "the document has a column naming the host $host"
# What it renders, check verifies the same way (its header names no template).
expect_ok mcreport check doc.md --db r.sqlite --no-charts
# A template error in the built-in template cannot happen; a missing suite=* context can.
printf '{{table suite=*}}\n' > t.md.in
expect_fail 2 mcreport --db r.sqlite --template t.md.in --no-charts
expect_grep '^mcreport: t.md.in:1:9: suite=\* names the suite of an enclosing {{each suite}}' "$T/err"
echo ok
