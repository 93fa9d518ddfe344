#!/bin/sh
# mcbench import of hyperfine --export-json: times in seconds as samples,
# stddev null for one run, exit codes, parameters as params; nothing of the
# machine or date invented (hyperfine records neither). Fixtures: real
# outputs of hyperfine 1.15.0 (tests/fixtures/import/gen.sh); with hyperfine
# installed, a fresh one is made and imported here.
. "$(dirname "$0")/../lib.sh"
F=$TOP/tests/fixtures/import
expect_ok mcbench import "$F/hyperfine-1.15.0.json" --started-at 2026-01-02T03:04:05Z --db a.sqlite
expect_grep 'hyperfine, 1 run imported' "$T/out"
q() { sqlite3 a.sqlite "$1"; }
[ "$(q "SELECT params, n_samples, iters_per_sample FROM result ORDER BY benchmark LIMIT 1")" = '{"n":"1"}|5|1' ] ||
    die "parameters or samples not mapped"
[ "$(q 'SELECT started_at FROM run')" = 2026-01-02T03:04:05Z ] || die "--started-at not used"
[ "$(q 'SELECT hostname, cpu_model FROM machine')" = 'unknown|unknown' ] || die "machine invented"
# The stored median is recomputed from the samples and equals hyperfine's.
python3 - "$F/hyperfine-1.15.0.json" > want.txt <<'PY'
import json, sys
for r in sorted(json.load(open(sys.argv[1]))["results"], key=lambda r: r["command"]):
    print("%.6e" % (r["median"] * 1e9))
PY
q "SELECT printf('%.6e', median_ns) FROM result ORDER BY benchmark" > got.txt
cmp -s want.txt got.txt || die "medians differ from hyperfine's: $(cat got.txt)"
# One run: stddev null, a non-zero exit code said in the message; no date in
# the file, so the file's time, said in the run's notes.
expect_ok mcbench import "$F/hyperfine-1.15.0-single.json" --db b.sqlite
[ "$(sqlite3 b.sqlite 'SELECT n_samples, message FROM result')" = '1|the command exited non-zero in 1 of 1 runs (hyperfine -i)' ] ||
    die "single run not mapped"
sqlite3 b.sqlite 'SELECT notes FROM run' > notes.txt
expect_grep "hyperfine records no time: started_at is the file's modification time" notes.txt
# A stddev that is not the samples': refused, one line, nothing stored.
sed '0,/"stddev": [0-9.e-]*/s//"stddev": 0.5/' "$F/hyperfine-1.15.0.json" > sd.json
expect_fail 1 mcbench import sd.json --db c.sqlite
expect_grep 'sd.json: benchmark .*its stddev' "$T/err"
[ "$(sqlite3 c.sqlite 'SELECT count(*) FROM run')" = 0 ] || die "stored"
# Not a number where one is due: the path.
sed '0,/"mean": [0-9.e-]*/s//"mean": "fast"/' "$F/hyperfine-1.15.0.json" > m.json
expect_fail 1 mcbench import --format hyperfine m.json --db c.sqlite
expect_grep 'm.json: \$.results\[0\].mean: expected a number' "$T/err"
if command -v hyperfine >/dev/null; then
    hyperfine -N --runs 3 --export-json fresh.json true >/dev/null 2>&1 || die "hyperfine failed"
    expect_ok mcbench import fresh.json --db d.sqlite
    [ "$(sqlite3 d.sqlite 'SELECT n_samples FROM result')" = 3 ] || die "fresh: not 3 samples"
else
    echo "note: hyperfine not installed, fresh-file check not run"
fi
echo ok
