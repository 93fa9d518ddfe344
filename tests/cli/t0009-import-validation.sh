#!/bin/sh
# Import validates every field and recomputes what can be recomputed: each
# doctored export below used to import with exit 0 (the outside probe of
# 2026-12-01). Each is refused with one line naming the file and the JSON
# path, the db unchanged; one file is one transaction.
. "$(dirname "$0")/../lib.sh"
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --db a.sqlite
uuid=$(sqlite3 a.sqlite 'SELECT uuid FROM run')
expect_ok mcreport export --run "$uuid" --db a.sqlite
cp "$T/out" one.json
expect_ok mcbench import one.json --db b.sqlite
counts() { sqlite3 b.sqlite 'SELECT (SELECT count(*) FROM run), (SELECT count(*) FROM result), (SELECT count(*) FROM sample)'; }
before=$(counts)
new=abcdef11-2222-4333-8444-555555555555
# doctor NAME JPATH-PATTERN PYTHON: edits d (the run) under a fresh uuid
doctor() {
    name=$1; where=$2; code=$3
    python3 - "$name" "$new" "$code" <<'PY'
import json, sys
name, new, code = sys.argv[1:]
d = json.load(open("one.json"))
d["run"]["uuid"] = new
r0 = d["results"][0]
exec(code)
json.dump(d, open(name + ".json", "w"), indent=2)
PY
    expect_fail 1 mcbench import "$name.json" --db b.sqlite
    expect_grep "$name.json" "$T/err"; expect_grep "$where" "$T/err"
    [ "$(wc -l < "$T/err")" = 1 ] || { cat "$T/err"; die "$name: error is not one line"; }
    [ "$(counts)" = "$before" ] || die "$name: the db changed"
}
doctor path '\$.run.uuid' 'd["run"]["uuid"] = "../../../tmp/pwned"'
doctor uuid1 '\$.run.uuid' 'd["run"]["uuid"] = "1"'
doctor uuidall '\$.run.uuid' 'd["run"]["uuid"] = "all"'
doctor upper '\$.run.uuid' 'd["run"]["uuid"] = new.upper()'
doctor zzzz '\$.run.started_at' 'd["run"]["started_at"] = "zzzz"'
doctor feb30 '\$.run.started_at' 'd["run"]["started_at"] = "2026-02-30T10:00:00Z"'
doctor local '\$.run.started_at' 'd["run"]["started_at"] = "2026-02-03T10:00:00+02:00"'
doctor endbefore '\$.run.ended_at' 'd["run"]["ended_at"] = "2000-01-01T00:00:00Z"'
doctor neg '\$.results\[0\].samples_ns\[0\]' 'r0["samples_ns"][0] = -r0["samples_ns"][0]'
doctor nosamples '\$.results\[0\].n_samples' 'r0["n_samples"] = 0; r0["samples_ns"] = []; r0["stats"] = {k: None for k in r0["stats"]}'
doctor median '\$.results\[0\].stats.median_ns' 'r0["stats"]["median_ns"] = r0["stats"]["median_ns"] / 2'
doctor sample '\$.results\[0\].stats' 'i = r0["samples_ns"].index(min(r0["samples_ns"])); r0["samples_ns"][i] *= 0.01'
doctor times3 '\$.results\[0\].stats' 'r0["samples_ns"] = [x * 3 for x in r0["samples_ns"]]'
doctor backend '\$.results\[0\].backend' 'r0["backend"] = "cuda"'
# 10000x faster, every statistic consistent (all samples equal): beyond the
# run's own measured FLOP/s peak, so stored "implausible", as the runner
# would have stored it, with the reason and its samples kept as evidence;
# importing the same file again is recognised.
python3 - "$new" <<'PY'
import json, sys
d = json.load(open("one.json"))
d["run"]["uuid"] = sys.argv[1]
for r in d["results"]:
    if r["status"] == "ok" and r["kernel"] == "sgemm":
        c = r["stats"]["median_ns"] / 10000
        r["samples_ns"] = [c] * r["n_samples"]
        r["stats"].update(min_ns=c, median_ns=c, mean_ns=c, stddev_ns=0.0, mad_ns=0.0,
                          ci_lo_ns=c, ci_hi_ns=c, q1_ns=c, q3_ns=c, n_mild=0, n_severe=0)
json.dump(d, open("fast.json", "w"), indent=2)
PY
expect_ok mcbench import fast.json --db b.sqlite
n_sgemm=$(python3 -c "import json; print(sum(r['status'] == 'ok' and r['kernel'] == 'sgemm' for r in json.load(open('fast.json'))['results']))")
[ "$n_sgemm" -gt 0 ] || die "the fixture has no ok sgemm result"
got=$(sqlite3 b.sqlite "SELECT count(*) FROM result r JOIN run u ON u.id = r.run_id WHERE u.uuid = '$new' AND r.kernel = 'sgemm' AND r.status = 'implausible' AND r.message LIKE 'imported as \"ok\", but its median%beyond the measured peak%' AND r.n_samples > 0")
[ "$got" = "$n_sgemm" ] || die "fast: $got of $n_sgemm sgemm results stored implausible"
expect_ok mcbench import fast.json --db b.sqlite
expect_grep '0 run(s) imported, 1 already present' "$T/out"
# the same results as fp16 variants: held to the bandwidth alone (tensor
# cores exceed the FP32 peak), by the runner's rule, so ok where the
# working set fits the cache (the fixture's sgemm sizes do)
python3 - <<'PY'
import json
d = json.load(open("fast.json"))
d["run"]["uuid"] = "f16f16f1-2222-4333-8444-555555555555"
for r in d["results"]:
    if r["kernel"] == "sgemm":
        r["variant"] = "fp16"
json.dump(d, open("fast16.json", "w"), indent=2)
PY
expect_ok mcbench import fast16.json --db b.sqlite
got=$(sqlite3 b.sqlite "SELECT count(*) FROM result r JOIN run u ON u.id = r.run_id WHERE u.uuid LIKE 'f16f16f1%' AND r.kernel = 'sgemm' AND r.variant = 'fp16' AND r.status = 'ok'")
[ "$got" = "$n_sgemm" ] || die "fast fp16: $got of $n_sgemm sgemm results ok: $(sqlite3 b.sqlite "SELECT status, message FROM result r JOIN run u ON u.id = r.run_id WHERE u.uuid LIKE 'f16f16f1%' AND r.kernel = 'sgemm'")"
sqlite3 b.sqlite "PRAGMA foreign_keys = ON; DELETE FROM run WHERE uuid LIKE 'f16f16f1%'"
sqlite3 b.sqlite "PRAGMA foreign_keys = ON; DELETE FROM run WHERE uuid = '$new'"
# a known uuid with other content is refused, not silently skipped
python3 -c "
import json; d = json.load(open('one.json')); d['run']['notes'] = 'edited'
json.dump(d, open('known.json', 'w'), indent=2)"
expect_fail 1 mcbench import known.json --db b.sqlite
expect_grep 'known.json' "$T/err"; expect_grep 'already in the db with other content' "$T/err"
[ "$(counts)" = "$before" ] || die "known: the db changed"
# the same content stays idempotent
expect_ok mcbench import one.json --db b.sqlite
expect_grep '0 run(s) imported, 1 already present' "$T/out"
# one file, one transaction: a good new run before a refused one is not kept
python3 - "$new" <<'PY'
import json, sys
good = json.load(open("one.json")); good["run"]["uuid"] = sys.argv[1]
bad = json.load(open("known.json"))
json.dump({"format": "mcbench-export", "format_version": good["format_version"],
           "runs": [good, bad]}, open("two.json", "w"), indent=2)
PY
expect_fail 1 mcbench import two.json --db b.sqlite
expect_grep 'two.json: \$.runs\[1\].run.uuid' "$T/err"
[ "$(counts)" = "$before" ] || die "two: the first run of a refused file was kept"
[ "$(sqlite3 b.sqlite 'PRAGMA integrity_check')" = ok ] || die "integrity_check failed"
# publish.sh builds file names from uuids: one written into the db by
# something other than import is refused, and nothing lands outside DIR
cp b.sqlite p.sqlite
sqlite3 p.sqlite "UPDATE run SET uuid = '../../pwned'"
mkdir pub && (cd "$TOP" && sh scripts/publish.sh "$T/p.sqlite" "$T/pub/runs") > pub.out 2> pub.err && die "publish accepted a path as uuid"
grep -q "not a uuid" pub.err || { cat pub.err; die "publish did not say why"; }
[ -z "$(ls pub/runs)" ] && [ ! -e "$T/pwned.json" ] || die "publish wrote a file"
echo ok
