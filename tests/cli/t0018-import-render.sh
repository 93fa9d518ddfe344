#!/bin/sh
# Imported results render: the built-in template renders a db holding one
# imported file alone (its group as a suite, aggregate-only results said
# so), and beside a native run; compare says what it cannot test.
. "$(dirname "$0")/../lib.sh"
F=$TOP/tests/fixtures/import
expect_ok mcbench import "$F/pytest-benchmark-5.3.1.json" --db a.sqlite
expect_ok mcreport --db a.sqlite --charts charts
cp "$T/out" alone.md
expect_grep '^### pytest:test\\_sample.py$' alone.md
expect_grep '| test\\_sum\\\[10\\\] | ' alone.md
expect_grep 'Timer: pytest-benchmark (imported: resolution and overhead unknown)' alone.md
# Aggregates only: labelled where the table names its source.
expect_ok mcbench import "$F/gbench-1.7.1-aggregates.json" --db b.sqlite
expect_ok mcreport --db b.sqlite --charts charts
expect_grep 'aggregates only: the tool.s statistics, no raw samples, no confidence interval' "$T/out"
# Beside a native run.
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --db b.sqlite
expect_ok mcreport --db b.sqlite --charts charts
cp "$T/out" both.md
expect_grep '^### gbench:gb$' both.md
expect_grep "^### $(sqlite3 b.sqlite "SELECT suite FROM result WHERE backend = 'ref' LIMIT 1")\$" both.md
# compare of two aggregate-only runs: no samples to test.
sed 's/"host_name": "vm"/"host_name": "vm"  /' "$F/gbench-1.7.1-aggregates.json" > again.json
expect_ok mcbench import again.json --db c.sqlite
expect_ok mcbench import "$F/gbench-1.7.1-aggregates.json" --db c.sqlite
a=$(sqlite3 c.sqlite 'SELECT uuid FROM run ORDER BY id LIMIT 1')
b=$(sqlite3 c.sqlite 'SELECT uuid FROM run ORDER BY id DESC LIMIT 1')
mcreport compare "$a" "$b" --db c.sqlite > cmp.txt 2>&1
expect_grep 'untested$' cmp.txt
expect_grep '2 untested: aggregates only' cmp.txt
echo ok
