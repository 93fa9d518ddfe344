#!/bin/sh
# mcbench import of nvbench JSON: type-tagged values, axes as params, cold
# GPU time (device clock), cold CPU time (wall) and batch GPU time as
# aggregate-only results, a skipped state. The fixture is hand-written in
# nvbench's shape (no nvbench output could be made here): its figures are
# placeholders, not measurements.
. "$(dirname "$0")/../lib.sh"
F=$TOP/tests/fixtures/import
expect_ok mcbench import "$F/nvbench-shape.json" --db a.sqlite
expect_grep 'nvbench, 1 run imported' "$T/out"
q() { sqlite3 a.sqlite "$1"; }
[ "$(q 'SELECT format_version FROM import')" = 'json 1.0.0' ] || die "version"
[ "$(q "SELECT count(*) FROM result r JOIN result_import i ON i.result_id = r.id WHERE r.status = 'ok' AND i.aggregate_only = 1 AND r.n_samples = 0")" = 3 ] ||
    die "not three aggregate-only results"
[ "$(q "SELECT clock, variant, params FROM result WHERE status = 'ok' ORDER BY clock, variant" | tr '\n' ' ')" = 'device||{"Elements":1024} device|batch|{"Elements":1024} wall||{"Elements":1024} ' ] ||
    die "clocks: $(q "SELECT clock, variant, params FROM result")"
[ "$(q "SELECT message FROM result WHERE status = 'skipped'")" = 'not enough memory' ] || die "skip"
[ "$(q 'SELECT kind, name FROM device')" = 'gpu|Example GPU' ] || die "device"
sed 's/"value": "1.0e-05"/"value": "fast"/' "$F/nvbench-shape.json" > bad.json
expect_fail 1 mcbench import --format nvbench bad.json --db b.sqlite
expect_grep 'bad.json: \$.benchmarks\[0\].states\[0\].summaries\[3\]' "$T/err"
echo ok
