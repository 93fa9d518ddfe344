#!/bin/sh
# mcreport compare on a synthetic db (fixed samples, so verdicts and output
# are exact): verdicts, exit status, run references, the default pair, the
# loud warning across machines, --json, and one-line errors.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"
one_line() { [ "$(wc -l < "$T/err")" = 1 ] || { cat "$T/err"; die "error is not one line"; }; }

# An empty store of the current schema, then rows written by hand.
for m in "$TOP"/db/migrations/*.sql; do sqlite3 c.sqlite < "$m" || die "schema $m"; done
sqlite3 c.sqlite "PRAGMA user_version = $(ls "$TOP"/db/migrations/*.sql | wc -l)"
sql=$T/fill.sql
: > "$sql"
machine() { # ID FINGERPRINT HOST
    echo "INSERT INTO machine VALUES ($1, '$2', '$3', 'test cpu', 4, 8, 1073741824, 'linux', '6.1');" >> "$sql"
}
run() { # ID UUID MACHINE STARTED COMMIT DIRTY [STATUS [OPENBLAS]]
    echo "INSERT INTO run (id, uuid, machine_id, started_at, ended_at, status, argv, git_commit, git_dirty, compiler, cflags, timer_name, timer_resolution_ns, timer_overhead_ns, provenance) VALUES ($1, '$2', $3, '$4', '$4', '${7:-complete}', 'mcbench run', '$5', $6, 'gcc 12', '-O2', 'test', 1, 1, '{\"openblas\": {\"version\": \"${8:-0.3.21}\"}}');" >> "$sql"
}
res() { # RUN BENCH LEVEL_NS: 20 samples LEVEL * (1 + (k - 9.5) / 1000), median LEVEL
    cat >> "$sql" <<SQL
INSERT INTO result (run_id, suite, benchmark, kernel, params, backend, variant, clock, status, flops, bytes, iters_per_sample, n_samples, median_ns, ci_lo_ns, ci_hi_ns)
  VALUES ($1, 'syn', '$2', 'softmax', '{}', 'ref', '', 'wall', 'ok', 1, 1, 1, 20, $3, $3 * 0.995, $3 * 1.005);
WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k < 19)
INSERT INTO sample SELECT (SELECT max(id) FROM result), k, $3 * (1 + (k - 9.5) / 1000.0) FROM i;
SQL
}
machine 1 aaaa0000aaaa0000 alpha
machine 2 bbbb0000bbbb0000 beta
run 1 11111111-aaaa-4000-8000-000000000001 1 2024-03-01T10:00:00Z 1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a 0
res 1 softmax/n=1 1000; res 1 rmsnorm/n=1 2000; res 1 sgemm/n=1 3000
run 2 22222222-bbbb-4000-8000-000000000002 1 2024-03-02T10:00:00Z 2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b 0
res 2 softmax/n=1 1100; res 2 rmsnorm/n=1 2000; res 2 sgemm/n=1 3090
# later, but another machine (and dirty): never the default partner
run 3 33333333-cccc-4000-8000-000000000003 2 2024-03-03T10:00:00Z 3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c 1 complete 0.3.26
res 3 softmax/n=1 1000; res 3 rmsnorm/n=1 2000
echo "UPDATE run SET rounds = 5 WHERE id = 3;" >> "$sql"
# later still, same machine, but aborted: never compared
run 4 44444444-dddd-4000-8000-000000000004 1 2024-03-04T10:00:00Z 4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d 0 aborted
res 4 softmax/n=1 5000
sqlite3 c.sqlite < "$sql" || die "cannot fill the db"

# Default pair: runs 1 and 2. softmax +10% is slower, sgemm +3% is under
# the 5% threshold, rmsnorm is identical: exit 1.
expect_fail 1 mcreport compare --db c.sqlite
[ -s "$T/err" ] && { cat "$T/err"; die "unexpected stderr"; }
cat > expected <<'OUT'
A: run 11111111 (id 1), 2024-03-01 10:00, commit 1a1a1a1, machine alpha (aaaa0000)
B: run 22222222 (id 2), 2024-03-02 10:00, commit 2b2b2b2, machine alpha (aaaa0000)

benchmark        backend  clock  A median  B median  change            95% CI  floor       p  verdict
syn/softmax/n=1  ref      wall    1.00 µs   1.10 µs    +10%     [+9.3%, +11%]     5%  <0.001  slower
syn/rmsnorm/n=1  ref      wall    2.00 µs   2.00 µs      0%  [-0.60%, +0.60%]     5%   1.000  unchanged
syn/sgemm/n=1    ref      wall    3.00 µs   3.09 µs   +3.0%    [+2.4%, +3.6%]     5%  <0.001  unchanged

1 slower, 0 faster, 2 unchanged, 0 inconclusive of 3 result(s) (threshold 5%, alpha 0.05)
OUT
cmp -s expected "$T/out" || { diff -u expected "$T/out" >&2; die "compare output differs from the expected table"; }
# the same output, byte for byte, every time (fixed-seed bootstrap)
cp "$T/out" first.out
expect_fail 1 mcreport compare --db c.sqlite
cmp -s first.out "$T/out" || die "compare output is not deterministic"

# A threshold above 10% lets everything pass; a 2% one catches sgemm too.
expect_ok mcreport compare --db c.sqlite --threshold 15
expect_grep '^0 slower, 0 faster, 3 unchanged' "$T/out"
expect_fail 1 mcreport compare --db c.sqlite --threshold 2
expect_grep '^2 slower' "$T/out"
# Reversed, the runs got faster: exit 0.
expect_ok mcreport compare 2 1 --db c.sqlite
expect_grep '^0 slower, 1 faster, 2 unchanged' "$T/out"

# Run references: id, uuid prefix, commit prefix; a run against itself.
expect_fail 1 mcreport compare 1 22222222 --db c.sqlite
expect_fail 1 mcreport compare 1111 2b2b2b2b --db c.sqlite
expect_grep '^B: run 22222222 (id 2)' "$T/out"
expect_ok mcreport compare 2 2 --db c.sqlite
expect_grep '^0 slower, 0 faster, 3 unchanged' "$T/out"

# Another machine and OpenBLAS, a dirty tree, other rounds: compared, loudly.
expect_ok mcreport compare 1 3 --db c.sqlite
expect_grep '^WARNING: comparing runs from different machines (A: alpha aaaa0000, B: beta bbbb0000)' "$T/err"
expect_grep '^WARNING: comparing runs with different OpenBLAS versions (A: 0.3.21, B: 0.3.26)' "$T/err"
expect_grep '^WARNING: comparing runs built from a dirty git tree (B)' "$T/err"
expect_grep '^WARNING: comparing runs that took their samples in different rounds (A: 1, B: 5)' "$T/err"
expect_grep '; 1 only in A$' "$T/out"

# --json: the same verdicts under stable names, and the same exit status.
expect_fail 1 mcreport compare --db c.sqlite --json
expect_grep '"verdict":[[:space:]]*"slower"' "$T/out"
expect_grep '"change_pct":' "$T/out"
expect_grep '"uuid":[[:space:]]*"22222222-bbbb-4000-8000-000000000002"' "$T/out"
if command -v python3 >/dev/null; then
    python3 - "$T/out" <<'PY' || die "--json output is not the documented JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["a"]["run_id"] == 1 and d["b"]["run_id"] == 2, d
assert [r["verdict"] for r in d["results"]] == ["slower", "unchanged", "unchanged"]
assert d["summary"] == {"compared": 3, "slower": 1, "faster": 0, "unchanged": 2, "inconclusive": 0,
                        "not_ok": 0, "only_a": 0, "only_b": 0}, d["summary"]
r = d["results"][0]
assert r["n_a"] == 20 and r["median_a_ns"] == 1000 and r["p"] < 0.001
assert r["ci_lo_pct"] > 0 and r["benchmark"] == "softmax/n=1" and r["variant"] == ""
assert d["warnings"] == [] and d["threshold_pct"] == 5 and d["alpha"] == 0.05
PY
fi

expect_ok mcreport compare --help
expect_grep '--threshold' "$T/out"
expect_grep '--db' "$T/out"

# Errors: one line naming what is wrong, exit 1 (2 for usage).
expect_fail 1 mcreport compare 1 99 --db c.sqlite
expect_grep "no complete run '99'" "$T/err"; one_line
expect_fail 1 mcreport compare 1 nosuchrun --db c.sqlite
expect_grep "nosuchrun" "$T/err"; one_line
expect_fail 1 mcreport compare 1 44444444 --db c.sqlite
expect_grep "aborted, not complete" "$T/err"; one_line
expect_fail 1 mcreport compare --db missing.sqlite
expect_grep "missing.sqlite" "$T/err"; one_line
expect_fail 2 mcreport compare 1 --db c.sqlite
expect_fail 2 mcreport compare --threshold -3 --db c.sqlite
expect_grep "threshold" "$T/err"; one_line
expect_fail 2 mcreport compare --bogus --db c.sqlite
expect_grep "unknown or incomplete option '--bogus'" "$T/err"
echo ok
