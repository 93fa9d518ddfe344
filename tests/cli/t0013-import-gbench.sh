#!/bin/sh
# mcbench import of Google Benchmark JSON: the format detected from the
# content, the file's SHA-256 stored with the run, repetitions as samples,
# errors as failed results, bare NaN/Infinity accepted, aggregate-only files
# labelled, an edited or truncated file refused in one line with nothing
# stored. Fixtures: real outputs of libbenchmark 1.7.1
# (tests/fixtures/import/gen.sh); with libbenchmark-dev installed, a fresh
# one is also built and imported here.
. "$(dirname "$0")/../lib.sh"
F=$TOP/tests/fixtures/import
q() { sqlite3 a.sqlite "$1"; }
expect_ok mcbench import "$F/gbench-1.7.1.json" --db a.sqlite
expect_grep 'gbench-1.7.1.json: gbench, 1 run imported' "$T/out"
[ "$(q 'SELECT sha256 FROM import')" = "$(sha256sum "$F/gbench-1.7.1.json" | cut -d' ' -f1)" ] ||
    die "the stored SHA-256 is not the file's"
[ "$(q 'SELECT format FROM import')" = gbench ] || die "format not stored"
[ "$(q "SELECT n_samples, status FROM result WHERE benchmark = 'BM_sum/64'")" = "3|ok" ] ||
    die "BM_sum/64: not 3 repetitions as samples"
[ "$(q "SELECT count(*) FROM sample s JOIN result r ON r.id = s.result_id WHERE r.benchmark = 'BM_sum/64'")" = 3 ] ||
    die "samples not stored"
[ "$(q "SELECT status, message FROM result WHERE benchmark = 'BM_error'")" = "failed|no device here" ] ||
    die "the error is not a failed result"
q "SELECT fields FROM result_import i JOIN result r ON r.id = i.result_id WHERE r.benchmark = 'BM_nan_counter'" > f.txt
expect_grep '"ratio":null' f.txt
# Nothing invented: no peaks, no FLOP counts, unknown cores.
[ "$(q 'SELECT peak_gflops IS NULL AND peak_gbps IS NULL FROM device')" = 1 ] || die "peaks invented"
[ "$(q 'SELECT cores FROM machine')" = 0 ] || die "cores invented"
# Imported again: recognised by content.
expect_ok mcbench import "$F/gbench-1.7.1.json" --db a.sqlite
expect_grep 'already present' "$T/out"
[ "$(q 'SELECT count(*) FROM run')" = 1 ] || die "imported twice"
# Aggregates only: the tool's statistics, no samples, labelled.
expect_ok mcbench import --format gbench "$F/gbench-1.7.1-aggregates.json" --db b.sqlite
[ "$(sqlite3 b.sqlite "SELECT r.n_samples, i.aggregate_only, r.median_ns > 0 FROM result r JOIN result_import i ON i.result_id = r.id WHERE r.benchmark = 'BM_sum/64'")" = "0|1|1" ] ||
    die "aggregates-only not stored as such"
# Edited: a repetition's real_time halved, the mean left alone.
python3 - "$F/gbench-1.7.1.json" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
i = t.index('"real_time": ')
j = t.index(',', i)
v = float(t[i + 13:j])
open("edited.json", "w").write(t[:i + 13] + repr(v / 2) + t[j:])
PY
before=$(q 'SELECT count(*) FROM result')
expect_fail 1 mcbench import edited.json --db a.sqlite
expect_grep 'edited.json: benchmark "BM_sum/64": its mean' "$T/err"
[ "$(wc -l < "$T/err")" = 1 ] || die "not one line"
# Truncated: the JSON position.
head -c 2000 "$F/gbench-1.7.1.json" > cut.json
expect_fail 1 mcbench import --format gbench cut.json --db a.sqlite
expect_grep 'cut.json:[0-9]*:[0-9]*: invalid JSON' "$T/err"
# A wrong type: the JSON path.
sed '0,/"iterations": [0-9]*/s//"iterations": "many"/' "$F/gbench-1.7.1.json" > type.json
expect_fail 1 mcbench import type.json --db a.sqlite
expect_grep 'type.json: \$.benchmarks\[0\].iterations: expected an integer' "$T/err"
[ "$(q 'SELECT count(*) FROM result')" = "$before" ] || die "a refused file stored something"
# Detection: JSON of no known format, an unknown --format, a missing value.
echo '{"a": 1}' > other.json
expect_fail 1 mcbench import other.json --db a.sqlite
expect_grep 'other.json: not a format mcbench imports' "$T/err"
expect_fail 2 mcbench import --format gbenchx other.json --db a.sqlite
expect_grep "unknown --format 'gbenchx'" "$T/err"
expect_fail 2 mcbench import other.json --db a.sqlite --format
expect_grep '\-\-format needs a value' "$T/err"
# A file given as another format: refused by that format's reader (and
# hyperfine's strict one refuses gbench's bare NaN where it stands).
expect_fail 1 mcbench import --format hyperfine "$F/pytest-benchmark-5.3.1.json" --db a.sqlite
expect_grep 'pytest-benchmark-5.3.1.json: \$.results: missing' "$T/err"
expect_fail 1 mcbench import --format hyperfine "$F/gbench-1.7.1.json" --db a.sqlite
expect_grep 'gbench-1.7.1.json:318:16: invalid JSON' "$T/err"
# A fresh file from the library itself, when it is installed.
if [ -f /usr/include/benchmark/benchmark.h ] && command -v g++ >/dev/null; then
    g++ -O1 -o gb "$F/gbench_sample.cc" -lbenchmark -lpthread || die "cannot build the sample"
    ./gb --benchmark_repetitions=2 --benchmark_min_time=0.001 --benchmark_out=fresh.json \
        --benchmark_out_format=json >/dev/null 2>&1 || die "the sample did not run"
    expect_ok mcbench import fresh.json --db c.sqlite
    [ "$(sqlite3 c.sqlite "SELECT n_samples FROM result WHERE benchmark = 'BM_sum/1024'")" = 2 ] ||
        die "fresh file: not 2 samples"
else
    echo "note: libbenchmark-dev not installed, fresh-file check not run"
fi
echo ok
