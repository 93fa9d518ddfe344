#!/bin/sh
# mcreport regressions on a synthetic db: a +20% step in one series is
# found at its run with the commits to bisect, a flat series and a short
# one are quiet, an improvement is reported as faster; --since, --backend,
# --threshold, --json, exit status and errors.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"
one_line() { [ "$(wc -l < "$T/err")" = 1 ] || { cat "$T/err"; die "error is not one line"; }; }

for m in "$TOP"/db/migrations/*.sql; do sqlite3 r.sqlite < "$m" || die "schema $m"; done
sqlite3 r.sqlite "PRAGMA user_version = $(ls "$TOP"/db/migrations/*.sql | wc -l)"
sql=$T/fill.sql
echo "INSERT INTO machine VALUES (1, 'aaaa0000aaaa0000', 'alpha', 'test cpu', 4, 8, 1073741824, 'linux', '6.1');" > "$sql"
run() { # N: run N on day N, commit N repeated
    echo "INSERT INTO run (id, uuid, machine_id, started_at, ended_at, status, argv, git_commit, git_dirty, compiler, cflags, timer_name, timer_resolution_ns, timer_overhead_ns, provenance) VALUES ($1, '$1$1$1$1$1$1$1$1-0000-4000-8000-000000000000', 1, '2024-05-0$1T09:00:00Z', '2024-05-0$1T09:10:00Z', 'complete', 'mcbench run', '$1$1$1$1$1$1$1$1$1$1', 0, 'gcc 12', '-O2', 'test', 1, 1, '{}');" >> "$sql"
}
res() { # RUN BACKEND BENCH MEDIAN_NS
    echo "INSERT INTO result (run_id, suite, benchmark, kernel, params, backend, variant, clock, status, flops, bytes, iters_per_sample, n_samples, median_ns, ci_lo_ns, ci_hi_ns) VALUES ($1, 'syn', '$3', 'k', '{}', '$2', '', 'wall', 'ok', 1, 1, 1, 10, $4, $4, $4);" >> "$sql"
}
# softmax on ref: +20% from run 5; on cpu: flat; sgemm: -25% from run 7;
# rmsnorm: only 3 runs.
set -- 1000 1010 990 1005 1200 1190 1210 1205
for i in 1 2 3 4 5 6 7 8; do
    run $i
    res $i ref softmax/n=1 "$1"; shift
    res $i cpu softmax/n=1 $((500 + i % 3))
    if [ $i -lt 7 ]; then res $i ref sgemm/n=1 4000; else res $i ref sgemm/n=1 3000; fi
    [ $i -le 3 ] && res $i ref rmsnorm/n=1 $((100 * i))
done
sqlite3 r.sqlite < "$sql" || die "cannot fill the db"

expect_fail 1 mcreport regressions --db r.sqlite
cat > expected <<'OUT'
benchmark        backend  clock  machine  run       date               before    after  change        95% CI      p  verdict       bisect
syn/sgemm/n=1    ref      wall   alpha    77777777  2024-05-07 09:00  4.00 µs  3.00 µs    -25%  [-25%, -25%]  0.065  inconclusive  6666666..7777777
syn/softmax/n=1  ref      wall   alpha    55555555  2024-05-05 09:00  1.00 µs  1.20 µs    +20%  [+18%, +21%]  0.034  slower        4444444..5555555

2 level shift(s): 1 slower, 0 faster, 1 inconclusive, in 3 series of >= 4 complete runs (threshold 5%)
OUT
cmp -s expected "$T/out" || { diff -u expected "$T/out" >&2; die "regressions output differs"; }

# The sgemm step has only two runs at its new level: however clean, a split
# of 6 + 2 runs is found by chance in about 1 shuffle of 15 (2 of the
# C(8, 2) = 28 arrangements put both low values at an end), so the
# permutation test cannot reach 5%: inconclusive, not faster.
# --since a date or a commit after the softmax step: only that one (exit 0).
expect_ok mcreport regressions --since 2024-05-06 --db r.sqlite
expect_grep '^1 level shift(s): 0 slower, 0 faster, 1 inconclusive' "$T/out"
expect_ok mcreport regressions --since 666666 --db r.sqlite
expect_grep '^syn/sgemm/n=1 ' "$T/out"
# --since at the step's own commit still reports it
expect_fail 1 mcreport regressions --since 55555 --db r.sqlite
# --backend cpu: a flat series, nothing to report
expect_ok mcreport regressions --backend cpu --db r.sqlite
expect_grep '^0 level shift(s): 0 slower, 0 faster, 0 inconclusive, in 1 series' "$T/out"
# a 30% threshold hides both steps
expect_ok mcreport regressions --threshold 30 --db r.sqlite
expect_grep '^0 level shift(s)' "$T/out"

# --json
expect_fail 1 mcreport regressions --json --db r.sqlite
expect_grep '"direction":[[:space:]]*"slower"' "$T/out"
if command -v python3 >/dev/null; then
    python3 - "$T/out" <<'PY' || die "--json output is not the documented JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["query"] == {"since": None, "backend": None, "machine": None,
                      "threshold_pct": 5, "min_runs": 4}, d["query"]
assert d["series_examined"] == 3
assert d["summary"] == {"shifts": 2, "slower": 1, "faster": 0, "inconclusive": 1}
s = d["shifts"][1]
assert (s["benchmark"], s["backend"], s["index"], s["n_runs"], s["run_id"]) == \
       ("softmax/n=1", "ref", 4, 8, 5), s
assert s["before_ns"] == 1002.5 and s["after_ns"] == 1202.5 and s["direction"] == "slower"
assert s["bisect"] == {"good": "4444444444", "bad": "5555555555"}, s["bisect"]
assert s["uuid"] == "55555555-0000-4000-8000-000000000000"
assert s["started_at"] == "2024-05-05T09:00:00Z" and s["git_commit"] == "5555555555"
assert abs(s["change_pct"] - 19.95012468827930) < 1e-9
assert s["verdict"] == "slower" and s["p_perm"] < 0.05 and s["ci_lo_pct"] > 5
assert d["shifts"][0]["verdict"] == "inconclusive" and d["shifts"][0]["p_perm"] > 0.05
PY
fi

expect_ok mcreport regressions --help
expect_grep '--since' "$T/out"
expect_grep '--db' "$T/out"

# Errors
expect_fail 1 mcreport regressions --since abcdef --db r.sqlite
expect_grep "abcdef" "$T/err"; expect_grep "no complete run at that commit" "$T/err"; one_line
expect_fail 1 mcreport regressions --since yesterday --db r.sqlite
expect_grep "neither a date" "$T/err"; one_line
expect_fail 2 mcreport regressions --threshold x --db r.sqlite
expect_grep "threshold" "$T/err"; one_line
expect_fail 2 mcreport regressions extra --db r.sqlite
expect_grep "unexpected argument 'extra'" "$T/err"
echo ok
