#!/bin/sh
# mcreport compare's run-to-run noise floor, as the command prints it: two
# runs of one machine sharing 21 results: 20 moved by -10% .. +28% in 2%
# steps (each but the 0% one significant on its own tight samples), one by
# +150%. The spread of the
# group's changes raises its floor far above the 5% threshold, so only the
# +150% result is slower; text, --json and the WARNING line all say so.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"

for m in "$TOP"/db/migrations/*.sql; do sqlite3 n.sqlite < "$m" || die "schema $m"; done
sqlite3 n.sqlite "PRAGMA user_version = $(ls "$TOP"/db/migrations/*.sql | wc -l)"
sql=$T/fill.sql
echo "INSERT INTO machine VALUES (1, 'aaaa0000aaaa0000', 'alpha', 'test cpu', 4, 8, 1073741824, 'linux', '6.1');" > "$sql"
run() { # ID STARTED
    echo "INSERT INTO run (id, uuid, machine_id, started_at, ended_at, status, argv, git_commit, git_dirty, compiler, cflags, timer_name, timer_resolution_ns, timer_overhead_ns, provenance) VALUES ($1, '$1$1$1$1$1$1$1$1-aaaa-4000-8000-00000000000$1', 1, '$2', '$2', 'complete', 'mcbench run', NULL, NULL, 'gcc 12', '-O2', 'test', 1, 1, '{}');" >> "$sql"
}
res() { # RUN BENCH LEVEL_NS: 20 samples LEVEL * (1 + (k - 9.5) / 1000)
    cat >> "$sql" <<SQL
INSERT INTO result (run_id, suite, benchmark, kernel, params, backend, variant, clock, status, flops, bytes, iters_per_sample, n_samples, median_ns, ci_lo_ns, ci_hi_ns)
  VALUES ($1, 'syn', '$2', 'softmax', '{}', 'ref', '', 'wall', 'ok', 1, 1, 1, 20, $3, $3 * 0.995, $3 * 1.005);
WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k < 19)
INSERT INTO sample SELECT (SELECT max(id) FROM result), k, $3 * (1 + (k - 9.5) / 1000.0) FROM i;
SQL
}
run 1 2024-03-01T10:00:00Z
run 2 2024-03-02T10:00:00Z
for i in $(seq 0 20); do
    a=$((1000 * (i + 1)))
    if [ "$i" = 20 ]; then b=$((a * 5 / 2)); else b=$((a * (90 + 2 * i) / 100)); fi
    res 1 "b/n=$i" "$a"
    res 2 "b/n=$i" "$b"
done
sqlite3 n.sqlite < "$sql" || die "fill"

expect_fail 1 mcreport compare 1 2 --db n.sqlite
expect_grep '^1 slower, 0 faster, 20 unchanged, 0 inconclusive of 21 result(s)' "$T/out"
expect_grep '^syn/b/n=20 .* +150% .* slower$' "$T/out"
expect_grep '^syn/b/n=0 .* -10% .* unchanged$' "$T/out"
expect_grep '^WARNING: run-to-run noise of ref (wall clock) between these runs: its 21 changes' "$T/err"

expect_fail 1 mcreport compare 1 2 --json --db n.sqlite
if command -v python3 >/dev/null; then
    python3 - "$T/out" <<'PY' || die "--json output does not carry the noise floor"
import json, sys
d = json.load(open(sys.argv[1]))
[g] = d["noise"]
assert (g["backend"], g["clock"], g["n"]) == ("ref", "wall", 21), g
assert 20 < g["floor_pct"] < 60 and g["floor_pct"] > d["threshold_pct"], g
assert abs(g["floor_pct"] - d["noise_k"] * 1.4826 * g["mad_pct"]) < 1e-9, g
assert all(r["floor_pct"] == g["floor_pct"] for r in d["results"])
assert [r["verdict"] for r in d["results"]] == ["unchanged"] * 20 + ["slower"]
assert sum(r["p"] < 0.05 for r in d["results"]) == 20  # all but n=5 (0%)
assert d["summary"]["slower"] == 1 and d["summary"]["unchanged"] == 20
assert any(w.startswith("run-to-run noise of ref (wall clock)") for w in d["warnings"])
PY
fi
echo ok
