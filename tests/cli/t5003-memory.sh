#!/bin/sh
# Per-result memory (migration 0003): every result of ref, cpu and the
# peers (where the venv has them) records the worker process's resident
# high-water mark and its resident bytes before the prepare. A decoding
# step whose KV cache is 46 MB raises the peak over the base by about that
# much on every side (ref and cpu copy the cache into one with room for the
# new token; a peer loads the input cache after its reset); the small step
# after it raises it by little on ref and cpu, so the mark was reset
# between results. The columns survive export and import; a doctored
# value is refused with its JSON path; an export without them (from before
# the migration) imports with them unknown.
. "$(dirname "$0")/../lib.sh"
[ -r /proc/self/clear_refs ] || [ -w /proc/self/clear_refs ] ||
    skip "skip: no /proc/self/clear_refs here (not Linux 4.0+)"
backends="--backend ref --backend cpu"
py=$TOP/.venv/bin/python3
peers=
if [ -x "$py" ]; then
    for p in mlx torch; do
        "$py" -c "import $p" >/dev/null 2>&1 && peers="$peers $p" &&
            backends="$backends --backend $p"
    done
fi
export MCBENCH_PYTHON="$py" MCBENCH_PEERS="$TOP/suites/peers"
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/memory.json" $backends \
    --rounds 1 --db x.sqlite
q() { sqlite3 x.sqlite "$1"; }
big="kernel = 'decode_step' AND params LIKE '%\"ctx\":60000%'"
for b in ref cpu $peers; do
    [ "$(q "SELECT count(*) FROM result WHERE backend = '$b' AND status = 'ok'
             AND base_rss_bytes > 0 AND peak_rss_bytes >= base_rss_bytes")" = 2 ] ||
        die "$b: a result without its memory: $(q "SELECT benchmark, peak_rss_bytes,
             base_rss_bytes FROM result WHERE backend = '$b'")"
    [ "$(q "SELECT peak_rss_bytes - base_rss_bytes > 40000000 FROM result
             WHERE backend = '$b' AND $big")" = 1 ] ||
        die "$b: the 46 MB cache is not in the peak: $(q "SELECT peak_rss_bytes,
             base_rss_bytes FROM result WHERE backend = '$b' AND $big")"
    echo "$b: ok"
done
# Had the mark not been reset, the small step's peak would be at least the
# big one's. Its own growth varies with the machine (libraries' first-call
# buffers, allocator arenas; 16 MB was seen for cpu on one VM), so it is
# compared with the big step's, not with a fixed figure.
for b in ref cpu; do
    [ "$(q "SELECT s.peak_rss_bytes - s.base_rss_bytes
                   < (g.peak_rss_bytes - g.base_rss_bytes) / 2
             FROM result s, result g
             WHERE s.backend = '$b' AND g.backend = '$b'
               AND s.params LIKE '%\"ctx\":70,%' AND g.params LIKE '%\"ctx\":60000%'")" = 1 ] ||
        die "$b: the small step's peak carries the big one's: $(q "SELECT params,
             peak_rss_bytes, base_rss_bytes FROM result WHERE backend = '$b'")"
done
# host backends have no device memory
[ "$(q "SELECT count(*) FROM result WHERE device_bytes IS NOT NULL")" = 0 ] ||
    die "device bytes on a CPU backend"

# {{memory}} renders what was stored: cpu's big step, growth and peak in MB
suite=$(q "SELECT DISTINCT suite FROM result")
printf '{{memory suite=%s cols=ref,cpu}}\n' "$suite" > mem.md.in
expect_ok mcreport --db x.sqlite --template mem.md.in
stored=$(q "SELECT (peak_rss_bytes - base_rss_bytes) / 1e6, peak_rss_bytes / 1e6
            FROM result WHERE backend = 'cpu' AND $big")
row=$(grep 'ctx=60000' "$T/out")
# the last cell is cpu's: "+G MB (peak P MB)", each to 3 significant digits
python3 - "$row" "$stored" <<'PY' || die "memory cell of cpu does not show the stored figures ($stored): $row"
import re, sys
cell = sys.argv[1].rstrip(" |").rsplit("|", 1)[1]
m = re.fullmatch(r"\s*\+([0-9.]+) MB \(peak ([0-9.]+) MB\)\s*", cell)
want = [float(x) for x in sys.argv[2].split("|")]
ok = m and all(abs(float(g) - w) <= 0.006 * w for g, w in zip(m.groups(), want))
sys.exit(0 if ok else 1)
PY
grep -q '^| benchmark | ref | cpu |' "$T/out" || die "memory table header: $(cat "$T/out")"
expect_ok mcreport export --all --db x.sqlite
cp "$T/out" e.json
expect_ok mcbench import e.json --db y.sqlite
mem="SELECT benchmark, backend, peak_rss_bytes, base_rss_bytes FROM result ORDER BY 1, 2"
[ "$(sqlite3 x.sqlite "$mem")" = "$(sqlite3 y.sqlite "$mem")" ] ||
    die "the memory columns changed through export and import"
expect_ok mcbench import e.json --db y.sqlite   # the same run again: no change

python3 - <<'PY'
import json
d = json.load(open("e.json"))
run = d["runs"][0] if "runs" in d else d
old = json.loads(json.dumps(run))
for r in old["results"]:
    for k in ("peak_rss_bytes", "base_rss_bytes", "device_bytes"):
        r.pop(k, None)
old["run"]["uuid"] = "abcdef11-2222-4333-8444-555555555555"
json.dump(old, open("old.json", "w"))
bad = json.loads(json.dumps(old))
bad["run"]["uuid"] = "abcdef11-2222-4333-8444-666666666666"
bad["results"][0]["peak_rss_bytes"] = 0
json.dump(bad, open("bad.json", "w"))
PY
expect_ok mcbench import old.json --db z.sqlite
[ "$(sqlite3 z.sqlite "SELECT count(*) FROM result WHERE peak_rss_bytes IS NULL")" = \
  "$(sqlite3 z.sqlite "SELECT count(*) FROM result")" ] || die "old export: memory not unknown"
expect_ok mcbench import old.json --db z.sqlite
expect_fail 1 mcbench import bad.json --db z.sqlite
expect_grep 'bad.json' "$T/err"
expect_grep 'results\[0\].peak_rss_bytes' "$T/err"
echo ok
