#!/bin/sh
# Faults around writes: SIGKILL at moments over an import, a truncated db,
# a disk that fills up during an import and during a run. Each: exit != 0
# with one line naming the file, and what was stored before intact
# (integrity_check, counts before and after).
. "$(dirname "$0")/../lib.sh"
runs="$TOP/db/runs"
ls "$runs"/*.json >/dev/null 2>&1 || skip "no db/runs/*.json to import"
# results each file holds, by uuid, to check a file is all there or absent
for f in "$runs"/*.json; do
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['run']['uuid'], len(d['results']))" "$f"
done | sort > want.txt
whole_or_absent() {  # DB: every run in it has all the results of its file
    sqlite3 "$1" "SELECT uuid, (SELECT count(*) FROM result WHERE run_id = run.id) FROM run ORDER BY uuid" |
        tr '|' ' ' > got.txt
    join got.txt want.txt | while read -r u got want; do
        [ "$got" = "$want" ] || { echo "run $u: $got of $want results"; exit 1; }
    done || die "$1: a run half imported"
}
# 1. SIGKILL during an import of every published run, at several moments
for delay in 0.2 0.5 0.9 1.4 2.0; do
    rm -f k.sqlite*
    "$BIN/mcbench" import --db k.sqlite "$runs"/*.json >/dev/null 2>&1 &
    pid=$!
    sleep $delay
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    [ -f k.sqlite ] || continue
    [ "$(sqlite3 k.sqlite 'PRAGMA integrity_check')" = ok ] || die "integrity after a kill at $delay s"
    whole_or_absent k.sqlite
    # and the import completes afterwards
    expect_ok mcbench import --db k.sqlite "$runs"/*.json
    [ "$(sqlite3 k.sqlite 'SELECT count(*) FROM run')" = "$(wc -l < want.txt)" ] || die "re-import after a kill at $delay s"
done
# 2. a truncated db: refused with one line by readers and writers, unchanged
expect_ok mcbench import --db full.sqlite "$runs"/*.json
sqlite3 full.sqlite 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
size=$(wc -c < full.sqlite)
head -c $((size / 2)) full.sqlite > half.sqlite
cp half.sqlite half.orig
expect_fail 1 mcreport --db half.sqlite
expect_grep 'half.sqlite' "$T/err"; [ "$(wc -l < "$T/err")" = 1 ] || { cat "$T/err"; die "truncated: not one line"; }
expect_fail 1 mcbench import --db half.sqlite "$runs/$(ls "$runs" | head -n 1)"
expect_grep 'half.sqlite' "$T/err"; [ "$(wc -l < "$T/err")" = 1 ] || { cat "$T/err"; die "truncated: not one line"; }
cmp -s half.sqlite half.orig || die "a truncated db was modified"
# 3. a full disk (a small tmpfs; needs root and mount)
[ "$(id -u)" = 0 ] || { echo "not root: the full-disk half is not run"; echo ok; exit 0; }
mkdir small
mount -t tmpfs -o size=400k tmpfs small 2>/dev/null || { echo "no tmpfs mount: the full-disk half is not run"; echo ok; exit 0; }
trap 'umount "$T/small" 2>/dev/null; cleanup' EXIT
first=$(ls "$runs"/*.json | head -n 1)
expect_ok mcbench import --db small/d.sqlite "$first"
before=$(sqlite3 small/d.sqlite 'SELECT (SELECT count(*) FROM run), (SELECT count(*) FROM result), (SELECT count(*) FROM sample)')
python3 - "$runs" <<'PY'
import glob, json, sys
runs = [json.load(open(f)) for f in sorted(glob.glob(sys.argv[1] + "/*.json"))[1:]]
json.dump({"format": "mcbench-export", "format_version": runs[0]["format_version"],
           "runs": runs}, open("many.json", "w"))
PY
echo "full disk: importing many.json into a 400k tmpfs"
expect_fail 1 mcbench import --db small/d.sqlite many.json
expect_grep 'small/d.sqlite' "$T/err"; [ "$(wc -l < "$T/err")" = 1 ] || { cat "$T/err"; die "full disk: not one line"; }
[ "$(sqlite3 small/d.sqlite 'PRAGMA integrity_check')" = ok ] || die "full disk: integrity"
[ "$(sqlite3 small/d.sqlite 'SELECT (SELECT count(*) FROM run), (SELECT count(*) FROM result), (SELECT count(*) FROM sample)')" = "$before" ] ||
    die "full disk: part of a refused file was kept"
# a run into the full disk: fails with one line, the db intact
dd if=/dev/zero of=small/filler bs=1k count=400 2>/dev/null
expect_fail 1 mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --db small/d.sqlite
expect_grep 'small/d.sqlite' "$T/err"
[ "$(sqlite3 small/d.sqlite 'PRAGMA integrity_check')" = ok ] || die "full disk run: integrity"
[ "$(sqlite3 small/d.sqlite "SELECT count(*) FROM run WHERE status = 'complete'")" = 1 ] || die "full disk run: stored run lost"
echo ok
