#!/bin/sh
# mcreport history on a synthetic db: one block per series (backend,
# machine), complete runs only, change against the previous run, filters,
# --json, --chart, and one-line errors.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"
one_line() { [ "$(wc -l < "$T/err")" = 1 ] || { cat "$T/err"; die "error is not one line"; }; }

for m in "$TOP"/db/migrations/*.sql; do sqlite3 h.sqlite < "$m" || die "schema $m"; done
sqlite3 h.sqlite "PRAGMA user_version = $(ls "$TOP"/db/migrations/*.sql | wc -l)"
sql=$T/fill.sql
: > "$sql"
machine() { # ID FINGERPRINT HOST
    echo "INSERT INTO machine VALUES ($1, '$2', '$3', 'test cpu', 4, 8, 1073741824, 'linux', '6.1');" >> "$sql"
}
run() { # ID MACHINE DAY COMMIT DIRTY [STATUS]
    echo "INSERT INTO run (id, uuid, machine_id, started_at, ended_at, status, argv, git_commit, git_dirty, compiler, cflags, timer_name, timer_resolution_ns, timer_overhead_ns, provenance) VALUES ($1, '$1$1$1$1$1$1$1$1-0000-4000-8000-00000000000$1', $2, '2024-04-0$3T08:30:00Z', '2024-04-0$3T08:40:00Z', '${6:-complete}', 'mcbench run', $4, $5, 'gcc 12', '-O2', 'test', 1, 1, '{}');" >> "$sql"
}
res() { # RUN BACKEND MEDIAN_NS [BENCH]
    echo "INSERT INTO result (run_id, suite, benchmark, kernel, params, backend, variant, clock, status, flops, bytes, iters_per_sample, n_samples, median_ns, ci_lo_ns, ci_hi_ns) VALUES ($1, 'syn', '${4:-softmax/rows=64,cols=1024}', 'softmax', '{}', '$2', '', 'wall', 'ok', 1, 1, 1, 10, $3, $3 * 0.98, $3 * 1.03);" >> "$sql"
}
machine 1 aaaa0000aaaa0000 alpha
machine 2 bbbb0000bbbb0000 beta
run 1 1 1 "'c1c1c1c1c1c1c1c1c1c1'" 0;  res 1 ref 1000; res 1 cpu 200
run 2 1 2 "'c2c2c2c2c2c2c2c2c2c2'" 1;  res 2 ref 1100; res 2 cpu 180
run 3 1 3 NULL NULL;                   res 3 ref 1100
run 4 1 4 "'c4c4c4c4c4c4c4c4c4c4'" 0 aborted; res 4 ref 9999
run 5 1 5 "'c5c5c5c5c5c5c5c5c5c5'" 0;  res 5 ref 990; res 5 ref 5 other/bench
run 6 2 6 "'c6c6c6c6c6c6c6c6c6c6'" 0;  res 6 ref 2500000
sqlite3 h.sqlite < "$sql" || die "cannot fill the db"

expect_ok mcreport history softmax/rows=64,cols=1024 --db h.sqlite
cat > expected <<'OUT'
syn/softmax/rows=64,cols=1024  backend cpu  clock wall  machine alpha (aaaa0000)
date              run       commit    median  95% CI         samples  change
2024-04-01 08:30  11111111  c1c1c1c   200 ns  [196, 206] ns       10       -
2024-04-02 08:30  22222222  c2c2c2c+  180 ns  [176, 185] ns       10    -10%

syn/softmax/rows=64,cols=1024  backend ref  clock wall  machine alpha (aaaa0000)
date              run       commit     median  95% CI            samples  change
2024-04-01 08:30  11111111  c1c1c1c   1.00 µs  [0.980, 1.03] µs       10       -
2024-04-02 08:30  22222222  c2c2c2c+  1.10 µs  [1.08, 1.13] µs        10    +10%
2024-04-03 08:30  33333333  -         1.10 µs  [1.08, 1.13] µs        10      0%
2024-04-05 08:30  55555555  c5c5c5c    990 ns  [970, 1020] ns         10    -10%

syn/softmax/rows=64,cols=1024  backend ref  clock wall  machine beta (bbbb0000)
date              run       commit    median  95% CI           samples  change
2024-04-06 08:30  66666666  c6c6c6c  2.50 ms  [2.45, 2.58] ms       10       -
OUT
cmp -s expected "$T/out" || { diff -u expected "$T/out" >&2; die "history output differs"; }

# Filters: backend, machine (hostname or fingerprint prefix), suite prefix.
expect_ok mcreport history syn/softmax/rows=64,cols=1024 --backend ref --machine alpha --db h.sqlite
[ "$(grep -c '^2024-04-0' "$T/out")" = 4 ] || { cat "$T/out"; die "filtered rows"; }
expect_grep 'machine alpha' "$T/out"
expect_ok mcreport history softmax/rows=64,cols=1024 --machine bbbb --clock wall --db h.sqlite
[ "$(grep -c '^2024-04-0' "$T/out")" = 1 ] || { cat "$T/out"; die "fingerprint filter"; }

# --json
expect_ok mcreport history softmax/rows=64,cols=1024 --backend ref --machine alpha --json --db h.sqlite
expect_grep '"median_ns":[[:space:]]*1100' "$T/out"
if command -v python3 >/dev/null; then
    python3 - "$T/out" <<'PY' || die "--json output is not the documented JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["query"] == {"bench": "softmax/rows=64,cols=1024", "backend": "ref",
                      "machine": "alpha", "clock": None}, d["query"]
[s] = d["series"]
assert (s["suite"], s["backend"], s["clock"], s["variant"], s["hostname"]) == \
       ("syn", "ref", "wall", "", "alpha"), s
runs = s["runs"]
assert [r["run_id"] for r in runs] == [1, 2, 3, 5]
assert runs[0]["change_pct"] is None and abs(runs[1]["change_pct"] - 10) < 1e-9
assert runs[1]["git_dirty"] is True and runs[2]["git_commit"] is None
assert runs[2]["git_dirty"] is None and runs[0]["n_samples"] == 10
assert runs[0]["uuid"].startswith("11111111-") and runs[0]["ci_lo_ns"] == 980
assert runs[0]["started_at"] == "2024-04-01T08:30:00Z"
PY
fi

# --chart: an SVG, the same bytes on every render.
if command -v gnuplot >/dev/null; then
    mkdir -p charts
    expect_ok mcreport history softmax/rows=64,cols=1024 --chart charts/h1.svg --db h.sqlite
    expect_grep '^chart: charts/h1.svg$' "$T/out"
    expect_grep '<svg' charts/h1.svg
    expect_grep 'alpha' charts/h1.svg
    expect_ok mcreport history softmax/rows=64,cols=1024 --chart charts/h2.svg --json --db h.sqlite
    sed 's/h2\.svg/h1.svg/g' charts/h2.svg | cmp -s - charts/h1.svg || die "chart is not deterministic"
    expect_fail 1 mcreport history softmax/rows=64,cols=1024 --chart no/such/dir/h.svg --db h.sqlite
    expect_grep 'no/such/dir/h.svg' "$T/err"; one_line
fi

expect_ok mcreport history --help
expect_grep '--chart' "$T/out"
expect_grep '--db' "$T/out"

# Errors
expect_fail 1 mcreport history softmax/rows=1,cols=1 --db h.sqlite
expect_grep "no complete run has a result of 'softmax/rows=1,cols=1'" "$T/err"; one_line
expect_fail 1 mcreport history softmax/rows=64,cols=1024 --backend mlx --db h.sqlite
expect_grep "on backend mlx" "$T/err"; one_line
expect_fail 2 mcreport history --db h.sqlite
expect_grep "no BENCH given" "$T/err"; one_line
expect_fail 2 mcreport history softmax/rows=64,cols=1024 --clock cpu --db h.sqlite
expect_grep "wall or device" "$T/err"; one_line
expect_fail 2 mcreport history a b --db h.sqlite
expect_grep "unexpected argument 'b'" "$T/err"
echo ok
