#!/bin/sh
# A hand edit of a published run (db/runs/*.json, what BENCHMARKS.md is
# rendered from) is caught: a sample edited makes the import that `make doc`
# and t1900 run fail, naming the file and JSON path; a result made 10000x
# faster with every statistic consistent is stored "implausible" (beyond
# its own run's measured peaks), so the document no longer renders the
# same and `mcreport check` fails.
. "$(dirname "$0")/../lib.sh"
ls "$TOP"/db/runs/*.json >/dev/null 2>&1 || skip "skip: no published runs in db/runs/"
mkdir runs
cp "$TOP"/db/runs/*.json runs/
f=$(python3 - runs/*.json <<'PY'
import json, sys
for f in sys.argv[1:]:
    d = json.load(open(f))
    if any(r["status"] == "ok" and r["kernel"] == "sgemm" and r["n_samples"] > 0
           for r in d["results"]):
        print(f); break
PY
)
[ -n "$f" ] || skip "skip: no published run with an ok sgemm result"
cp "$f" orig.json
# One sample edited.
python3 - "$f" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = next(r for r in d["results"] if r["status"] == "ok" and r["n_samples"] > 1)
r["samples_ns"][0] *= 0.5
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
expect_fail 1 mcbench import --db doc.sqlite runs/*.json
expect_grep "$f: [$].results\[[0-9]*\].stats" "$T/err"
[ "$(sqlite3 doc.sqlite "SELECT count(*) FROM run WHERE uuid = '$(python3 -c "import json; print(json.load(open('orig.json'))['run']['uuid'])")'")" = 0 ] ||
    die "the edited run was stored"
# 10000x faster, consistent: stored implausible, and the render differs.
cp orig.json "$f"
rm -f doc.sqlite*
expect_ok mcbench import --db doc.sqlite runs/*.json
expect_ok mcreport --db doc.sqlite --template "$TOP/templates/BENCHMARKS.md.in" --charts charts
cp "$T/out" before.md
python3 - "$f" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    if r["status"] == "ok" and r["kernel"] == "sgemm":
        c = r["stats"]["median_ns"] / 10000
        r["samples_ns"] = [c] * r["n_samples"]
        r["stats"].update(min_ns=c, median_ns=c, mean_ns=c, stddev_ns=0.0, mad_ns=0.0,
                          ci_lo_ns=c, ci_hi_ns=c, q1_ns=c, q3_ns=c, n_mild=0, n_severe=0)
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
rm -f doc.sqlite*
expect_ok mcbench import --db doc.sqlite runs/*.json
[ "$(sqlite3 doc.sqlite "SELECT count(*) FROM result WHERE kernel = 'sgemm' AND status = 'implausible' AND message LIKE 'imported as%'")" -gt 0 ] ||
    die "the faster results were not stored implausible"
mcreport --db doc.sqlite --template "$TOP/templates/BENCHMARKS.md.in" --charts charts > after.md 2>/dev/null
cmp -s before.md after.md && die "the edit did not change the document"
echo ok
