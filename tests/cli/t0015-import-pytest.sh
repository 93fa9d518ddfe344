#!/bin/sh
# mcbench import of pytest-benchmark --benchmark-json: machine_info and
# commit_info mapped, a suite per group (the test file without one), rounds
# as samples (already per iteration), params. Fixture: a real output of
# pytest-benchmark 5.3.1 (tests/fixtures/import/gen.sh).
. "$(dirname "$0")/../lib.sh"
F=$TOP/tests/fixtures/import
expect_ok mcbench import "$F/pytest-benchmark-5.3.1.json" --db a.sqlite
expect_grep 'pytest-benchmark, 1 run imported' "$T/out"
q() { sqlite3 a.sqlite "$1"; }
[ "$(q 'SELECT format, format_version FROM import')" = 'pytest-benchmark|5.3.1' ] || die "version"
[ "$(q 'SELECT hostname, cpu_model, threads FROM machine')" = 'vm|AMD EPYC|2' ] || die "machine_info"
[ "$(q "SELECT suite, kernel, params FROM result WHERE benchmark = 'test_sum[10]'")" = 'pytest:test_sample.py|test_sum|{"n":10}' ] ||
    die "group or params"
[ "$(q "SELECT n_samples, iters_per_sample FROM result WHERE benchmark = 'test_pedantic'")" = '4|3' ] ||
    die "pedantic rounds"
[ "$(q 'SELECT started_at FROM run')" = "$(python3 -c "
import json, datetime; d = json.load(open('$F/pytest-benchmark-5.3.1.json'))
print(datetime.datetime.fromisoformat(d['datetime']).astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))")" ] ||
    die "datetime"
# A round edited: refused.
python3 - "$F/pytest-benchmark-5.3.1.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["benchmarks"][0]["stats"]["data"][0] *= 100
json.dump(d, open("edited.json", "w"))
PY
expect_fail 1 mcbench import edited.json --db a.sqlite
expect_grep 'edited.json: benchmark "test_' "$T/err"
# Python's bare NaN is read (a stddev of NaN, no data): aggregate-only.
python3 - "$F/pytest-benchmark-5.3.1.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
b = d["benchmarks"][0]["stats"]
del b["data"]; b["stddev"] = float("nan")
json.dump(d, open("nan.json", "w"))
PY
grep -q NaN nan.json || die "python wrote no NaN"
expect_ok mcbench import nan.json --db b.sqlite
[ "$(sqlite3 b.sqlite "SELECT r.n_samples, i.aggregate_only, r.stddev_ns IS NULL FROM result r JOIN result_import i ON i.result_id = r.id ORDER BY r.id LIMIT 1")" = '0|1|1' ] ||
    die "NaN stddev"
echo ok
