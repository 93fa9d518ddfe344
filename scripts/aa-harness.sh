#!/bin/sh
# aa-harness.sh - false alarms and detection, measured (issue 16, item 5).
#
# Runs K pairs of identical runs of the same build (A/A: same code, same
# suite, same backend), then compares each pair with `mcreport compare`
# (each result with the other 2K - 2 runs as its history): every result it
# calls slower or faster is a false alarm. `mcreport regressions` over the
# 2K runs: every level shift it finds is a false alarm too. Then, for each
# pair, synthetic copies of B whose results matching --bench have every
# sample multiplied by 1.10 and by 1.30 (`mcbench inject`, made in a fresh
# copy of the 2K runs each time, so that neither the A/A db nor another
# comparison ever sees it) are compared with A: a "slower" verdict on a
# scaled result is a detection, and one on a result left unscaled beside
# them is one more false alarm. The measurements are slowed a tenth at a
# time (--rotate 10: copy r scales every 10th from the r-th), as a code
# change slows some and not others; a factor on every result at once is
# what compare reads as the machine's own move and takes out
# (src/lib/compare.h, shift_pct), so --rotate 1 measures that instead. Scaling stored samples keeps the noise the machine really
# made and shifts the level by exactly the factor (src/lib/store_inject.h);
# nothing in the measurement path is altered. Each injection line ends with
# the goal's unit: how many scaled results (benchmark, backend, variant,
# clock) compare calls slower in at least 9 of every 10 pairs.
#
# It measures: run it on a quiet machine, never beside other benchmarks
# (the lead runs it; `make test` runs only a K=1 smoke on a tiny suite).
#
# usage: scripts/aa-harness.sh [-k K] [--suite S] [--backend B] [--bench GLOB]
#                              [--full] [--dir DIR] [--bin DIR] [--reuse]
#                              [--rotate R] [--rounds N]
#   -k K         pairs (default 10)
#   --suite S    the suite (name or file) each run measures; all (the
#                default): every suite, as `make suite` runs them
#   --backend B  the backend; all (the default): every backend present
#   --bench GLOB benchmarks to slow down (fnmatch on the name; default all)
#   --full       full runs instead of --quick
#   --dir DIR    keep the dbs and JSON there (default: a fresh temporary dir)
#   --bin DIR    where mcbench and mcreport are (default: bin/ of this tree)
#   --rotate R   slow the measurements 1/R of them at a time, in R copies
#                of each pair's B (default 10; 1: all at once)
#   --rounds N   interleaved rounds per run (mcbench run --rounds; default
#                that of mcbench run)
#   --reuse      measure nothing: compare again the runs a previous call
#                left in --dir (its aa.sqlite and pairs), with this
#                build's statistics; the same runs judged by a new rule
# Prints one summary line per figure; exit 0 unless a command failed.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
K=10 SUITE=all BACKEND=all BENCH='*' QUICK=--quick DIR= BIN=$TOP/bin REUSE= ROTATE=10 ROUNDS=
die() { echo "aa-harness: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    -k) [ $# -ge 2 ] || die "-k needs a count"; K=$2; shift 2 ;;
    --suite) [ $# -ge 2 ] || die "--suite needs a name"; SUITE=$2; shift 2 ;;
    --backend) [ $# -ge 2 ] || die "--backend needs a name"; BACKEND=$2; shift 2 ;;
    --bench) [ $# -ge 2 ] || die "--bench needs a glob"; BENCH=$2; shift 2 ;;
    --dir) [ $# -ge 2 ] || die "--dir needs a path"; DIR=$2; shift 2 ;;
    --bin) [ $# -ge 2 ] || die "--bin needs a path"; BIN=$2; shift 2 ;;
    --full) QUICK=; shift ;;
    --reuse) REUSE=1; shift ;;
    --rotate) [ $# -ge 2 ] || die "--rotate needs a count"; ROTATE=$2; shift 2 ;;
    --rounds) [ $# -ge 2 ] || die "--rounds needs a count"; ROUNDS=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done
case $K in ''|*[!0-9]*|0) die "-k must be a positive integer, not '$K'" ;; esac
case $ROTATE in ''|*[!0-9]*|0) die "--rotate must be a positive integer, not '$ROTATE'" ;; esac
case $ROUNDS in *[!0-9]*|0) die "--rounds must be a positive integer, not '$ROUNDS'" ;; esac
command -v python3 >/dev/null || die "needs python3 (to read the JSON verdicts)"
[ -n "$DIR" ] || DIR=$(mktemp -d "${TMPDIR:-/tmp}/aa-harness.XXXXXX")
mkdir -p "$DIR"
AA=$DIR/aa.sqlite INJ=$DIR/inj.sqlite
FACTORS="1.10 1.30"

# One run; prints its uuid.
one_run() {
    set -- $QUICK
    [ -z "$ROUNDS" ] || set -- "$@" --rounds "$ROUNDS"
    [ "$SUITE" = all ] || set -- "$@" --suite "$SUITE"
    [ "$BACKEND" = all ] || set -- "$@" --backend "$BACKEND"
    "$BIN/mcbench" run "$@" --db "$AA" \
        > "$DIR/run.out" 2> "$DIR/run.err" || { cat "$DIR/run.err" >&2; die "a run failed"; }
    sed -n 's/^run \([0-9a-f-]*\) complete:.*/\1/p' "$DIR/run.out" | tail -n 1
}
# compare A B in db: JSON to file (exit 1 only says "slower": not a failure).
compare() {
    "$BIN/mcreport" compare "$2" "$3" --db "$1" --json > "$4" 2> "$DIR/compare.err" ||
        [ $? -eq 1 ] || { cat "$DIR/compare.err" >&2; die "compare failed"; }
}

if [ -n "$REUSE" ]; then
    [ -n "$DIR" ] && [ -s "$DIR/pairs" ] && [ -f "$AA" ] ||
        die "--reuse needs --dir with the aa.sqlite and pairs of an earlier call"
    K=$(wc -l < "$DIR/pairs" | tr -d ' ')
else
    i=1
    : > "$DIR/pairs"
    while [ "$i" -le "$K" ]; do
        a=$(one_run); b=$(one_run)
        [ -n "$a" ] && [ -n "$b" ] || die "cannot read a run's uuid"
        echo "$a $b" >> "$DIR/pairs"
        i=$((i + 1))
    done
fi
# The comparisons come after the last run: each pair's results then have
# the machine's other 2K - 2 runs as their own history (compare takes a
# result's floor from it, src/lib/compare.h), as a new run compared with
# the last one has the runs before them. Each injection is made in a
# fresh copy of all the runs, so that no scaled copy enters the history
# of another comparison.
# what an earlier call (--reuse) left must not be counted again
rm -f "$DIR"/aa-*.json "$DIR"/inj-*.json "$DIR"/inj-*.scaled
"$BIN/mcreport" export --all --db "$AA" > "$DIR/all.json"
BASE=$DIR/base.sqlite
rm -f "$BASE" "$BASE-wal" "$BASE-shm"
"$BIN/mcbench" import --db "$BASE" "$DIR/all.json" > /dev/null
i=1
while read -r a b; do
    compare "$AA" "$a" "$b" "$DIR/aa-$i.json"
    for f in $FACTORS; do
        r=0
        while [ "$r" -lt "$ROTATE" ]; do
            rm -f "$INJ" "$INJ-wal" "$INJ-shm"
            cp "$BASE" "$INJ"
            # no measurement of this tenth matching --bench: nothing to slow
            "$BIN/mcbench" inject --run "$b" --factor "$f" --bench "$BENCH" \
                --every "$ROTATE" --offset "$r" --db "$INJ" > "$DIR/inject.out" \
                2> "$DIR/inject.err" || {
                grep -q 'has no result with samples' "$DIR/inject.err" ||
                    { cat "$DIR/inject.err" >&2; die "inject failed"; }
                r=$((r + 1)); continue; }
            x=$(sed -n 's/^run \([0-9a-f-]*\):.*/\1/p' "$DIR/inject.out")
            [ -n "$x" ] || die "inject failed"
            sed 1d "$DIR/inject.out" > "$DIR/inj-$f-$i-$r.scaled"
            compare "$INJ" "$a" "$x" "$DIR/inj-$f-$i-$r.json"
            r=$((r + 1))
        done
    done
    i=$((i + 1))
done < "$DIR/pairs"
# Exit 1 says a shift was called slower: a false alarm to count, not a failure.
"$BIN/mcreport" regressions --db "$AA" --json > "$DIR/regressions.json" 2> "$DIR/regressions.err" ||
    [ $? -eq 1 ] || { cat "$DIR/regressions.err" >&2; die "regressions failed"; }

python3 - "$DIR" "$K" "$BENCH" "$SUITE" "$BACKEND" "$FACTORS" <<'PY'
import fnmatch, glob, json, os, statistics, sys
d, k, bench, suite, backend, factors = sys.argv[1:]
def verdicts(paths, pick=lambda r: True):
    n = {"slower": 0, "faster": 0, "unchanged": 0, "inconclusive": 0}
    for p in paths:
        for r in json.load(open(p))["results"]:
            if pick(r):
                n[r["verdict"]] = n.get(r["verdict"], 0) + 1
    return n, sum(n.values())
def pct(a, b):
    return f"{100.0 * a / b:.1f}%" if b else "n/a"
print(f"aa-harness: {k} pair(s) of {suite} on {backend}; files in {d}")
n, tot = verdicts(sorted(glob.glob(os.path.join(d, "aa-*.json"))))
fa = n["slower"] + n["faster"]
print(f"compare A/A: {fa} of {tot} result(s) flagged ({pct(fa, tot)}): "
      f"{n['slower']} slower, {n['faster']} faster; {n['inconclusive']} inconclusive")
reg = json.load(open(os.path.join(d, "regressions.json")))
rs = reg["summary"]
print(f"regressions A/A: {rs['slower'] + rs['faster']} level shift(s) called slower or "
      f"faster in {reg['series_examined']} series (each a false alarm): {rs['slower']} "
      f"slower, {rs['faster']} faster; {rs['shifts'] - rs['slower'] - rs['faster']} "
      f"more inconclusive")
def key_of(r):
    return f"{r['suite']}/{r['benchmark']} {r['backend']} {r['variant']} {r['clock']}"
others = {"slower": 0, "faster": 0, "all": 0}
for f in factors.split():
    n = {"slower": 0, "faster": 0, "unchanged": 0, "inconclusive": 0}
    # The goal's unit: one result (benchmark, backend, variant, clock)
    # slowed, and in how many of the K pairs compare calls it slower.
    hits, seen, sd = {}, {}, {}
    for p in sorted(glob.glob(os.path.join(d, f"inj-{f}-*.json"))):
        scaled = set(l.rstrip("\n") for l in open(p[:-len(".json")] + ".scaled"))
        for r in json.load(open(p))["results"]:
            key = key_of(r)
            if key not in scaled:
                others["all"] += 1
                others["slower"] += r["verdict"] == "slower"
                others["faster"] += r["verdict"] == "faster"
                continue
            n[r["verdict"]] = n.get(r["verdict"], 0) + 1
            seen[key] = seen.get(key, 0) + 1
            hits[key] = hits.get(key, 0) + (r["verdict"] == "slower")
            if r["history_sd_pct"] is not None:
                sd.setdefault(key, []).append(r["history_sd_pct"])
    tot = sum(n.values())
    need = -(-9 * int(k) // 10)  # 9 of 10 pairs, rounded up
    most = sum(1 for key in seen if hits[key] >= need)
    print(f"injected x{f}: {n['slower']} of {tot} scaled result(s) detected as slower "
          f"({pct(n['slower'], tot)}); {n['inconclusive']} inconclusive, "
          f"{n['unchanged']} unchanged, {n['faster']} faster; "
          f"{most} of {len(seen)} result(s) detected in at least {need} of {k} pairs")
    # The same count by how much each result moves between runs of the
    # same code (its median history_sd_pct over the pairs): what a
    # slowdown of this size can be told from, and what it cannot.
    bins = [(0, 2), (2, 4), (4, 8), (8, float("inf"))]
    parts = []
    for lo, hi in bins:
        ks = [key for key in seen if key in sd and lo <= statistics.median(sd[key]) < hi]
        name = f"{lo}-{hi:g}%" if hi != float("inf") else f">= {lo}%"
        parts.append(f"{sum(1 for key in ks if hits[key] >= need)} of {len(ks)} at {name}")
    nosd = [key for key in seen if key not in sd]
    parts.append(f"{sum(1 for key in nosd if hits[key] >= need)} of {len(nosd)} without a history")
    print(f"injected x{f}, by the result's run-to-run sd (robust, of consecutive changes): "
          + "; ".join(parts))
fa = others["slower"] + others["faster"]
print(f"beside the scaled: {fa} of {others['all']} unscaled result(s) flagged "
      f"({pct(fa, others['all'])}): {others['slower']} slower, {others['faster']} faster")
PY
