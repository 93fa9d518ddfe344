#!/bin/sh
# mcbench import of criterion: a whole target/criterion tree (new/ of each
# benchmark: benchmark.json, estimates.json, sample.json with per-sample
# iteration counts) and a raw.csv; throughput in bytes kept; a malformed CSV
# row refused naming its line. Fixture: a real tree of criterion 0.3.6
# (Debian's librust-criterion-dev; tests/fixtures/import/gen-criterion.sh).
. "$(dirname "$0")/../lib.sh"
F=$TOP/tests/fixtures/import/criterion-0.3.6
expect_ok mcbench import "$F" --db a.sqlite
expect_grep 'criterion, 1 run imported' "$T/out"
q() { sqlite3 a.sqlite "$1"; }
[ "$(q "SELECT suite, n_samples, bytes, params FROM result WHERE benchmark = 'sum/64'")" = 'criterion:sum|10|256.0|{"value":"64"}' ] ||
    die "tree not mapped: $(q "SELECT * FROM result WHERE benchmark = 'sum/64'")"
[ "$(q 'SELECT count(*) FROM result')" = 3 ] || die "not 3 benchmarks"
# criterion's own mean is the samples' (checked at import); the stored
# mean is recomputed from them.
python3 - "$F/sum/64/new/estimates.json" > want.txt <<'PY'
import json, sys
print("%.6e" % json.load(open(sys.argv[1]))["mean"]["point_estimate"])
PY
[ "$(q "SELECT printf('%.6e', mean_ns) FROM result WHERE benchmark = 'sum/64'")" = "$(cat want.txt)" ] ||
    die "mean differs from criterion's"
expect_ok mcbench import "$F" --db a.sqlite
expect_grep 'already present' "$T/out"
# raw.csv, detected from its header.
expect_ok mcbench import "$F/sum/1024/new/raw.csv" --db b.sqlite
[ "$(sqlite3 b.sqlite "SELECT n_samples, bytes FROM result")" = '10|4096.0' ] || die "raw.csv"
# A bad row: the CSV line.
sed '4s/,ns,/,ms,/' "$F/sum/1024/new/raw.csv" > bad.csv
expect_fail 1 mcbench import --format criterion bad.csv --db c.sqlite
expect_grep '^mcbench import: bad.csv:4: unit' "$T/err"
sed '3s/,[0-9]*$//' "$F/sum/1024/new/raw.csv" > short.csv
expect_fail 1 mcbench import --format criterion short.csv --db c.sqlite
expect_grep 'short.csv:3: expected 8 fields' "$T/err"
# A tree whose estimate was edited: refused naming the benchmark.
cp -r "$F" tree
python3 - tree/sum/64/new/estimates.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["median"]["point_estimate"] /= 2
json.dump(d, open(sys.argv[1], "w"))
PY
expect_fail 1 mcbench import tree --db c.sqlite
expect_grep 'benchmark "sum/64": its median' "$T/err"
# A truncated sample.json: the file and position.
cp -r "$F" tree2
head -c 40 "$F/sum/64/new/sample.json" > tree2/sum/64/new/sample.json
expect_fail 1 mcbench import tree2 --db c.sqlite
expect_grep 'tree2/sum/64/new/sample.json:1:[0-9]*: invalid JSON' "$T/err"
[ "$(sqlite3 c.sqlite 'SELECT count(*) FROM run')" = 0 ] || die "stored"
echo ok
